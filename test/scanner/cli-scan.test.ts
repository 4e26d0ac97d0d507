// `lfk scan` end to end: the built CLI in a child process, exit codes and outputs.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../platform/key-format.js';
import { badChecksum, testKey } from './keys.js';
import { runLfk } from './run-lfk.js';

const KEY = testKey('cli-1');
const KEY2 = testKey('cli-2');
const display = (key: string) => `${key.slice(0, 11)}…${key.slice(-4)}`;

function folder(files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'lfk-cli-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

describe('lfk scan: exit codes and text output', () => {
  it('0 and a summary when nothing is found', async () => {
    const cwd = folder({ 'a.txt': 'hello\n', 'empty.txt': '' });
    const run = await runLfk(['scan'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^no keys found: scanned 2 files/);
    expect(run.stderr).toBe('');
  });

  it('1 with a redacted line per key', async () => {
    const cwd = folder({ 'config/.env': `A=1\nTRUSTLEADS_KEY=${KEY}\n`, 'b.json': `{"k": "${KEY2}"}` });
    const run = await runLfk(['scan', '.'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`b.json:1:8  trustleads-api-key  ${display(KEY2)}`);
    expect(run.stdout).toContain(`config/.env:2:16  trustleads-api-key  ${display(KEY)}`);
    expect(run.stdout).not.toContain(KEY);
    expect(run.stdout).not.toContain('\x1b[');
    const full = await runLfk(['scan', '--no-redact', 'b.json'], { cwd });
    expect(full.stdout).toContain(KEY2);
  });

  it('2 for a path that does not exist, with the path named', async () => {
    const cwd = folder({ 'a.txt': KEY });
    const run = await runLfk(['scan', 'a.txt', 'nope/missing.txt'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope/missing.txt: no such file or directory');
    expect(run.stdout).toBe('');
    // With a folder too, the worker threads started for it end, and the process with them.
    const withFolder = await runLfk(['scan', '.', 'nope/missing.txt'], { cwd });
    expect(withFolder.code).toBe(2);
    expect(withFolder.stderr).toContain('nope/missing.txt: no such file or directory');
  });

  it('2 for usage mistakes', async () => {
    const cwd = folder();
    for (const args of [['--format', 'xml'], ['--bogus'], ['--max-file-size', 'lots'], ['-', 'a.txt']]) {
      const run = await runLfk(['scan', ...args], { cwd });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^lfk: /);
    }
  });

  it('--report-invalid lists bad checksums without failing', async () => {
    const cwd = folder({ 'doc.md': 'Use lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0 as your key' });
    expect((await runLfk(['scan'], { cwd })).code).toBe(0);
    const run = await runLfk(['scan', '--report-invalid', '--format', 'json'], { cwd });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).findings.map((f: { checksum: string }) => f.checksum)).toEqual(['invalid']);
  });

  it('standard input with -', async () => {
    const cwd = folder();
    const run = await runLfk(['scan', '-', '--format', 'json'], { cwd, input: `line\r\n  key=${KEY}` });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: Record<string, unknown>) => [f.file, f.line, f.column])).toEqual([['-', 2, 7]]);
    expect((await runLfk(['scan', '-'], { cwd, input: 'nothing' })).code).toBe(0);
  });
});

describe('lfk scan: reports', () => {
  it('--format json follows docs/scanner.md#findings', async () => {
    const cwd = folder({ 'k.yml': `key: ${KEY}\n` });
    const run = await runLfk(['scan', '--format', 'json'], { cwd });
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      version: 1,
      tool: { name: 'lfk' },
      stats: { files: 1, bytes: KEY.length + 6, skipped: 0 },
    });
    expect(report.findings).toEqual([
      {
        rule_id: 'trustleads-api-key',
        file: 'k.yml',
        line: 1,
        column: 6,
        end_column: 6 + KEY.length,
        secret: display(KEY),
        fingerprint: `trustleads-api-key:${sha256Hex(KEY).slice(0, 16)}`,
        checksum: 'valid',
      },
    ]);
  });

  it('--format sarif --output FILE writes the file and nothing to stdout', async () => {
    const cwd = folder({ 'src/a.ts': `const k = '${KEY}';` });
    const run = await runLfk(['scan', '--format', 'sarif', '--output', 'out.sarif', '--no-redact', 'src'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const written = readFileSync(join(cwd, 'out.sarif'), 'utf8');
    expect(written).not.toContain(KEY);
    const result = JSON.parse(written).runs[0].results[0];
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('src/a.ts');
    expect(result.locations[0].physicalLocation.region).toMatchObject({ startLine: 1, startColumn: 12 });
  });
});

describe('lfk scan: ignoring', () => {
  it('.lfkignore fingerprints (with comments) and a note for stale entries', async () => {
    const fingerprint = `trustleads-api-key:${sha256Hex(KEY).slice(0, 16)}`;
    const cwd = folder({
      'a.env': `K=${KEY}\n`,
      '.lfkignore': `# known test key\n${fingerprint}\ntrustleads-api-key:00000000deadbeef # gone\n`,
    });
    const run = await runLfk(['scan'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('lfk: note: .lfkignore: 1 entry matches no finding of this scan (line 3)');
  });

  it('.lfkignore is read at the repository root when scanning from a sub-folder', async () => {
    const cwd = folder({
      'sub/a.env': `K=${KEY}\n`,
      '.lfkignore': `trustleads-api-key:${sha256Hex(KEY).slice(0, 16)}\n`,
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    expect((await runLfk(['scan', '.'], { cwd: join(cwd, 'sub') })).code).toBe(0);
  });

  it('--baseline hides findings of an earlier JSON report, and new ones still fail', async () => {
    const cwd = folder({ 'a.env': `K=${KEY}\n` });
    const first = await runLfk(['scan', '--format', 'json', '--output', 'baseline.json'], { cwd });
    expect(first.code).toBe(1);
    expect((await runLfk(['scan', '--baseline', 'baseline.json', 'a.env'], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, 'b.env'), `K=${KEY2}\n`);
    const run = await runLfk(['scan', '--baseline', 'baseline.json', 'a.env', 'b.env'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('b.env:1:3');
    expect(run.stdout).not.toContain('a.env:1:3');
    writeFileSync(join(cwd, 'a.env'), 'rotated\n');
    const stale = await runLfk(['scan', '--baseline', 'baseline.json', 'a.env'], { cwd });
    expect(stale.stderr).toMatch(
      /note: baseline\.json: 1 entry matches no finding of this scan \(trustleads-api-key:[0-9a-f]{16}\)/,
    );
    expect((await runLfk(['scan', '--baseline', 'missing.json'], { cwd })).code).toBe(2);
  });

  it('lfk:allow on the line', async () => {
    const cwd = folder({ 'a.py': `KEY = "${KEY}"  # lfk:allow\n` });
    expect((await runLfk(['scan'], { cwd })).code).toBe(0);
  });
});

describe('lfk scan: rules and config', () => {
  it('a user rule from .lfk.toml', async () => {
    const cwd = folder({
      '.lfk.toml': `[[rules]]\nid = "acme"\nregex = '''acme_[0-9]{6}'''\nkeywords = ["acme_"]\n`,
      'x.txt': 'token acme_123456',
    });
    const run = await runLfk(['scan', 'x.txt'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('x.txt:1:7  acme');
  });

  it('a malformed .lfk.toml or an invalid rule: exit 2 naming the file, rule and field', async () => {
    const malformed = folder({ '.lfk.toml': '[[rules]\n', 'x.txt': '' });
    const run = await runLfk(['scan'], { cwd: malformed });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.lfk\.toml: line 1, column \d+: not valid TOML/);
    const lookahead = folder({ 'rules.toml': `[[rules]]\nid = "ahead"\nregex = 'x(?=y)'\nkeywords = ["x"]\n` });
    const bad = await runLfk(['scan', '--config', 'rules.toml'], { cwd: lookahead });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rules\.toml: rule "ahead": field "regex": not a valid RE2 regex/);
  });
});

describe('lfk scan: bad input', () => {
  it('binary files: their bytes are searched, line and column in bytes, binary: true', async () => {
    const cwd = folder({
      'blob.bin': Buffer.concat([Buffer.from([0, 1, 2, 0, 0x6b]), Buffer.from(KEY)]),
      'clean.bin': Buffer.from([0, 1, 2, 3]),
    });
    const named = await runLfk(['scan', 'blob.bin'], { cwd });
    expect(named.code).toBe(1);
    expect(named.stdout).toContain('blob.bin:1:6');
    expect(named.stdout).toContain('binary (line and column in bytes)');
    const walked = await runLfk(['scan', '--format', 'json'], { cwd });
    const report = JSON.parse(walked.stdout);
    expect(report.findings.map((f: Record<string, unknown>) => [f.file, f.line, f.column, f.binary])).toEqual([
      ['blob.bin', 1, 6, true],
    ]);
    expect(report.stats).toMatchObject({ files: 2, binary: 2 });
  });

  it('invalid UTF-8 and UTF-16 text', async () => {
    const cwd = folder({
      'bad.txt': Buffer.concat([Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(` ${KEY}\n`)]),
      'wide.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`x\r\ny=${KEY2}`, 'utf16le')]),
    });
    const run = await runLfk(['scan', '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).findings.map((f: Record<string, unknown>) => [f.file, f.line, f.column])).toEqual([
      ['bad.txt', 1, 5],
      ['wide.txt', 2, 3],
    ]);
  });

  it('a symlink loop does not hang the walk', async () => {
    const cwd = folder({ 'a/k.env': `K=${KEY}` });
    symlinkSync(cwd, join(cwd, 'a', 'loop'));
    symlinkSync(join(cwd, 'a'), join(cwd, 'a', 'loop2'));
    const run = await runLfk(['scan', '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['a/k.env']);
  });

  it('a 50 MB single-line file: exact column far into the line', async () => {
    const head = 'var a=1;'.repeat(6_553_600);
    const cwd = folder({ 'min.js': `${head}k="${KEY}";${'b=2;'.repeat(1000)}` });
    const run = await runLfk(['scan', '--format', 'json', 'min.js'], { cwd });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).findings.map((f: Record<string, unknown>) => [f.line, f.column])).toEqual([
      [1, head.length + 4],
    ]);
  });

  it('decoys in files are not reported', async () => {
    const cwd = folder({
      'decoys.txt': [
        'lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0',
        'lfk_sk_your_key_here',
        badChecksum(KEY),
        KEY.slice(0, -1),
        `${KEY}Z`,
        `my${KEY}`,
      ].join('\n'),
    });
    expect((await runLfk(['scan'], { cwd })).code).toBe(0);
  });
});

describe('lfk scan: worker threads', () => {
  it('the pool (with or without the main thread helping) finds what one thread finds', async () => {
    // Over 256 files, so the default run uses the pool too.
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++)
      files[`d${i % 4}/f${i}.txt`] = i % 7 === 0 ? `n=${i}\nkey=${testKey(`pool-${i}`)}\n` : `nothing ${i}\n`;
    const cwd = folder(files);
    const runs = await Promise.all(
      [[], ['--workers', '2'], ['--workers', '1']].map((extra) =>
        runLfk(['scan', '--format', 'json', ...extra], { cwd }),
      ),
    );
    const [byDefault, two, one] = runs.map((run) => JSON.parse(run.stdout));
    expect(runs.map((run) => run.code)).toEqual([1, 1, 1]);
    expect(byDefault.findings).toHaveLength(43);
    expect(byDefault.stats.files).toBe(300);
    expect(two.findings).toEqual(byDefault.findings);
    expect(one.findings).toEqual(byDefault.findings);
  });
});
