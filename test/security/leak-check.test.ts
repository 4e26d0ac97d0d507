// The leak check itself (test/support/leak-capture.ts, run by leak-global-setup.ts at the end of
// every vitest run): a full key in what was captured fails, with file, line and the key redacted;
// redacted keys and wrong-checksum look-alikes do not; and a run that captured one exits non-zero.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayOf, generateKey, redactKeys } from '../../platform/key-format.js';
import { createHarness } from '../support/harness.js';
import { ApiClient, BAD_CHECKSUM_KEY } from '../support/http.js';
import { captureLfkRun, captureText, checkCapture, LEAK_CAPTURE_ENV, scanCapture } from '../support/leak-capture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const folders: string[] = [];
function freshFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lfk-leak-'));
  folders.push(dir);
  return dir;
}
afterAll(() =>
  folders.forEach((dir) => {
    rmSync(dir, { recursive: true, force: true });
  }),
);

describe('the leak check over a capture folder', () => {
  it('reports a full key with its file, line and redacted form, and not the decoys', async () => {
    const dir = freshFolder();
    const leaked = generateKey();
    const other = generateKey();
    writeFileSync(
      join(dir, 'log-1-0.log'),
      [
        '### harness on sqlite',
        `{"level":"info","msg":"key revoked","key":"${displayOf(other)}"}`,
        `{"level":"info","note":"${redactKeys(`pasted ${other} here`)}"}`,
        `{"level":"warn","msg":"bad key","sample":"${BAD_CHECKSUM_KEY}"}`,
        `{"level":"error","msg":"oops","authorization":"Bearer ${leaked}"}`,
      ].join('\n'),
    );
    writeFileSync(join(dir, 'mail-1-0.log'), `### mail\nYour key ${displayOf(leaked)} was found\n`);

    const scan = await scanCapture(dir);
    expect(scan.leaks).toEqual([
      { file: join(dir, 'log-1-0.log'), line: 5, secret: expect.stringMatching(/^lfk_sk_\w{4}/) },
    ]);
    expect(scan.leaks[0]!.secret).not.toContain(leaked);
    expect(scan).toMatchObject({ files: 2, lines: 7 });

    const failure = await checkCapture(dir).then(
      () => 'passed',
      (error: Error) => error.message,
    );
    expect(failure).toContain('1 full key(s)');
    expect(failure).toContain(`${join(dir, 'log-1-0.log')}:5`);
    expect(failure).toContain(leaked.slice(0, 11));
    expect(failure, 'the failure itself must not print the key').not.toContain(leaked);
  });

  it('passes a folder with only redacted keys and look-alikes', async () => {
    const dir = freshFolder();
    const key = generateKey();
    writeFileSync(
      join(dir, 'cli-1-0.log'),
      `### lfk keys list\n${displayOf(key)}\n${BAD_CHECKSUM_KEY}\nlfk_sk_${'x'.repeat(12)}\n`,
    );
    await expect(checkCapture(dir)).resolves.toMatchObject({ leaks: [], files: 1 });
  });
});

describe('capturing', () => {
  let saved: string | undefined;
  let dir: string;
  beforeEach(() => {
    saved = process.env[LEAK_CAPTURE_ENV];
    dir = freshFolder();
    process.env[LEAK_CAPTURE_ENV] = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[LEAK_CAPTURE_ENV];
    else process.env[LEAK_CAPTURE_ENV] = saved;
  });

  it('reaches this test worker: vitest globalSetup made a folder for the run', () => {
    expect(saved, LEAK_CAPTURE_ENV).toMatch(/[/\\]\.tmp[/\\]leak-capture[/\\]run-/);
    expect(statSync(saved!).isDirectory()).toBe(true);
  });

  it('a key captured through the helpers fails the check', async () => {
    const key = generateKey();
    captureText('http-error', 'GET /v1/keys → 500', `{"error":{"message":"boom ${key}"}}`);
    await expect(checkCapture(dir)).rejects.toThrow(/1 full key\(s\)[\s\S]*http-error-\d+-\d+\.log:2/);
  });

  it('skips the stdout of `lfk keys create` and `scan --no-redact` only, and captures --output reports', async () => {
    const key = generateKey();
    captureLfkRun(['keys', 'create', '--account', 'acct_1', '--name', 'N'], undefined, {
      stdout: `\n  ${key}\n`,
      stderr: '',
    });
    captureLfkRun(['scan', '--no-redact', 'src'], undefined, { stdout: `src/a.txt:1 ${key}\n`, stderr: '' });
    await expect(checkCapture(dir)).resolves.toMatchObject({ leaks: [] });

    const cwd = freshFolder();
    writeFileSync(join(cwd, 'out.json'), JSON.stringify({ findings: [{ secret: key }] }));
    captureLfkRun(['scan', '--format', 'json', '--output', 'out.json', 'src'], cwd, { stdout: '', stderr: '' });
    captureLfkRun(['keys', 'list', '--account', 'acct_1'], undefined, { stdout: `key_1 ${key}\n`, stderr: '' });
    const scan = await scanCapture(dir);
    expect(scan.leaks.map((leak) => leak.file.replace(/-\d+-\d+\.log$/, '')).sort()).toEqual([
      join(dir, 'cli'),
      join(dir, 'report'),
    ]);
    // The command line in the `### source` line is redacted too.
    captureLfkRun(['keys', 'revoke', key], undefined, { stdout: '', stderr: 'lfk: error: no such key\n' });
    expect(
      readdirSync(dir)
        .map((name) => readFileSync(join(dir, name), 'utf8'))
        .join(''),
    ).toContain(`### lfk keys revoke ${key.slice(0, 11)}…`);
  });
});

describe('the shared helpers feed the capture', () => {
  it('a harness leaves its error bodies, logs and database rows there, and a created key in none of them', async () => {
    const saved = process.env[LEAK_CAPTURE_ENV];
    const dir = freshFolder();
    process.env[LEAK_CAPTURE_ENV] = dir;
    try {
      const h = await createHarness('sqlite');
      const { key: created } = await h.createAccountWithKey({ name: 'Captured', scopes: ['keys:manage'] });
      const api = new ApiClient(h);
      expect((await api.get('/v1/keys', BAD_CHECKSUM_KEY)).status).toBe(401);
      expect((await api.post('/v1/keys', { name: '' }, created.key)).status).toBe(400);
      // A test calling the app directly, without ApiClient, is captured all the same.
      expect(
        (await h.app.request('/v1/keys/key_elsewhere', { headers: { authorization: `Bearer ${created.key}` } })).status,
      ).toBe(404);
      h.logs.push('{"msg":"a line the harness logged"}');
      await h.close();
      const captured = Object.fromEntries(
        readdirSync(dir).map((name) => [name.replace(/-\d+-\d+\.log$/, ''), readFileSync(join(dir, name), 'utf8')]),
      );
      expect(Object.keys(captured).sort()).toEqual(['database', 'http-error', 'log']);
      expect(captured['http-error']).toContain('### GET /v1/keys → 401');
      expect(captured['http-error']).toContain('### POST /v1/keys → 400');
      expect(captured['http-error']).toContain('### GET /v1/keys/key_elsewhere → 404');
      expect(captured.log).toContain('a line the harness logged');
      expect(captured.database).toContain('### sqlite table audit_events');
      expect(captured.database).toContain('"type":"key.created"');
      expect(captured.database).toContain(displayOf(created.key));
      await expect(checkCapture(dir)).resolves.toMatchObject({ leaks: [] });
    } finally {
      if (saved === undefined) delete process.env[LEAK_CAPTURE_ENV];
      else process.env[LEAK_CAPTURE_ENV] = saved;
    }
  });
});

describe('a vitest run', () => {
  // A small vitest project with this repository's globalSetup: the run that captures a key must
  // exit non-zero (vitest 4.1 alone would exit 0 on a throwing teardown).
  async function runProbe(testBody: string): Promise<{ code: number | null; output: string }> {
    const dir = join(ROOT, '.tmp', `leak-probe-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    folders.push(dir);
    writeFileSync(
      join(dir, 'probe.test.ts'),
      `import { it } from 'vitest';\nimport { captureText } from '${join(ROOT, 'test/support/leak-capture.ts')}';\nimport { generateKey } from '${join(ROOT, 'platform/key-format.ts')}';\nit('runs', () => { ${testBody} });\n`,
    );
    writeFileSync(
      join(dir, 'vitest.config.ts'),
      `export default { test: { include: ['probe.test.ts'], pool: 'forks', globalSetup: ['${join(ROOT, 'test/security/leak-global-setup.ts')}'] } };\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env[LEAK_CAPTURE_ENV];
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    expect(existsSync(vitest)).toBe(true);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [vitest, 'run', '--root', dir, '--reporter=default'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  it('fails with exit code 1 when a test captured a full key, and passes when none did', async () => {
    const leaking = await runProbe(`captureText('log', 'probe', 'token=' + generateKey());`);
    expect(leaking.output).toMatch(/leak check: 1 full key\(s\)/);
    expect(leaking.code).toBe(1);
    const clean = await runProbe(`captureText('log', 'probe', 'nothing to see');`);
    expect(clean.output).toMatch(/leak check: 1 captured files, 2 lines, no full key/);
    expect(clean.code).toBe(0);
  }, 60_000);
});
