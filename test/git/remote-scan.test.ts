// `lfk scan --git URL` and `lfk scan --github OWNER[/REPO]` from a terminal or CI
// (docs/git.md#remote-repositories). A real git smart-HTTP server on loopback serves the
// repositories (wanting GITHUB_TOKEN as x-access-token for the private ones), and a small local
// server answers GitHub's listing routes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { GIT_ENV, lfk, newKey, type JsonFinding } from './repo.js';

const TOKEN = 'ghp_testtoken0123456789';
const served = mkdtempSync(join(tmpdir(), 'lfk-remote-served-'));
let git: GitHttpServer;
let api: Server;
let apiUrl = '';
const listings: string[] = [];

function run(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV } })
    .toString()
    .trim();
}

/** A bare repository `owner/name` under the served folder, with `files` in one commit on main and `side` on a branch. */
function publish(name: string, files: Record<string, string>, side?: Record<string, string>): string {
  const work = mkdtempSync(join(tmpdir(), 'lfk-remote-work-'));
  run(work, 'init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(work, path), text);
  run(work, 'add', '-A');
  run(work, 'commit', '-q', '-m', 'first');
  if (side) {
    run(work, 'checkout', '-q', '-b', 'side');
    for (const [path, text] of Object.entries(side)) writeFileSync(join(work, path), text);
    run(work, 'add', '-A');
    run(work, 'commit', '-q', '-m', 'side');
  }
  mkdirSync(join(served, name.split('/')[0]!), { recursive: true });
  run(served, 'clone', '-q', '--bare', work, join(served, `${name}.git`));
  return run(work, 'rev-parse', 'HEAD');
}

const keys = { one: newKey(), side: newKey(), two: newKey() };
let sideCommit = '';

beforeAll(async () => {
  publish('acme/one', { 'app.env': `KEY=${keys.one}\n` });
  sideCommit = publish('acme/two', { 'README.md': 'x\n' }, { 'ci.yml': `token: ${keys.two}\n` });
  publish('public/open', { 'notes.txt': `the key: ${keys.side}\n` });
  // Private repositories want the token; public/ is open to anyone, as on GitHub.
  git = await startGitHttpServer(served, (token, path) => path.startsWith('/public/') || token === TOKEN);
  api = createServer((request, response) => {
    listings.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
    const repo = (name: string) => ({
      full_name: name,
      clone_url: `${git.url}/${name}.git`,
      html_url: `https://github.com/${name}`,
    });
    const url = new URL(request.url ?? '/', 'http://x');
    if (request.headers.authorization !== `Bearer ${TOKEN}`)
      return void response.writeHead(401).end('{"message":"Bad credentials"}');
    if (url.pathname === '/orgs/acme/repos')
      return void response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify([repo('acme/one'), repo('acme/two'), repo('acme/gone')]));
    if (url.pathname === '/repos/acme/one')
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(repo('acme/one')));
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await git.close();
  await new Promise((resolve) => api.close(resolve));
});

// The CLI clones into its TMPDIR: one of this file's own, so no other test file's clones are counted.
const cloneRoot = mkdtempSync(join(tmpdir(), 'lfk-remote-tmp-'));
const clonesLeft = () => readdirSync(cloneRoot).filter((name) => name.startsWith('lfk-clone-'));

async function scan(args: string[], env: Record<string, string> = {}) {
  const run = await lfk(tmpdir(), ['scan', ...args, '--format', 'json', '--no-redact'], {
    env: { LFK_GITHUB_API_URL: apiUrl, GITHUB_TOKEN: TOKEN, TMPDIR: cloneRoot, ...env },
  });
  return {
    run,
    report:
      run.code === 2
        ? undefined
        : (JSON.parse(run.stdout) as {
            findings: Array<JsonFinding & { repository?: string; url?: string }>;
            stats: { commits?: number };
          }),
  };
}

describe('remote scans', () => {
  it('--git URL: clones, scans every ref, and removes the clone', async () => {
    const before = clonesLeft();
    const { run, report } = await scan(['--git', `${git.url}/public/open.git`]);
    expect(run.code).toBe(1);
    expect(report!.findings.map((f) => [f.repository, f.file, f.line, f.secret])).toEqual([
      [`${git.url}/public/open.git`, 'notes.txt', 1, keys.side],
    ]);
    expect(clonesLeft()).toEqual(before);
  });

  it('--github OWNER: every repository, every ref, findings with repository and blob URL; one that cannot be cloned is a warning', async () => {
    const { run, report } = await scan(['--github', 'acme']);
    expect(run.code).toBe(1);
    expect(report!.findings.map((f) => [f.repository, f.file, f.secret, f.url])).toEqual([
      [
        'acme/one',
        'app.env',
        keys.one,
        expect.stringMatching(/^https:\/\/github\.com\/acme\/one\/blob\/[0-9a-f]{40}\/app\.env#L1$/),
      ],
      ['acme/two', 'ci.yml', keys.two, `https://github.com/acme/two/blob/${sideCommit}/ci.yml#L1`],
    ]);
    expect(run.stderr).toMatch(/acme\/gone: git clone .* failed/);
    // The listing used the token, and the org listing was tried first.
    expect(
      listings.some(
        (line) => line.startsWith('GET /orgs/acme/repos?per_page=100&page=1') && line.endsWith(`Bearer ${TOKEN}`),
      ),
    ).toBe(true);
    expect(run.stderr).not.toContain(TOKEN);
    // Without the token the private clones are refused: a warning each, nothing found.
    const refused = git.refused;
    const anonymous = await scan(['--git', `${git.url}/acme/one.git`], { GITHUB_TOKEN: '' });
    expect(anonymous.run.code).toBe(2);
    expect(anonymous.run.stderr).toMatch(/git clone .*\/acme\/one\.git failed/);
    expect(git.refused).toBeGreaterThan(refused);
  });

  it('--github OWNER/REPO: that one; bad input and refusals are usage errors (exit 2)', async () => {
    const { run, report } = await scan(['--github', 'acme/one']);
    expect(run.code).toBe(1);
    expect(report!.findings.map((f) => f.repository)).toEqual(['acme/one']);
    for (const [args, env, message] of [
      [['--github', 'acme/one/extra'], {}, /--github takes OWNER or OWNER\/REPO/],
      [['--github', 'acme', '--git'], {}, /--github and --git cannot be combined/],
      [['--github', 'nobody/none'], {}, /GitHub has no repository or owner nobody\/none/],
      [['--github', 'acme'], { GITHUB_TOKEN: 'wrong' }, /GitHub refused GITHUB_TOKEN \(401\)/],
      [['--git', 'http://example.com/x.git'], {}, /only https:\/\/ repositories can be cloned/],
      [['--git', `https://user:pw@example.com/x.git`], {}, /put no credentials in the repository URL/],
    ] as const) {
      const result = await scan([...args], { ...env });
      expect(result.run.code, args.join(' ')).toBe(2);
      expect(result.run.stderr).toMatch(message);
    }
  });
});
