// Keys inside compressed files, archives and binary files (docs/scanner.md) in every mode: files,
// standard input, --git, --staged and --pre-push. Every input is built fresh around keys generated
// here, with the real zip, tar, gzip and xz, and a real SQLite database; each key is found exactly
// once, at its `!` path and place, and decoys are not reported.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTools, envText, KEY_COLUMN, KEY_LINE } from '../scanner/unpack-fixtures.js';
import {
  commit,
  git,
  lfk,
  newKey,
  newRepo,
  pushToNewOrigin,
  scanJson,
  scanPrePush,
  stage,
  tempDir,
  writeFiles,
  type JsonFinding,
} from './repo.js';

interface Hidden {
  /** The path in the repository. */
  path: string;
  /** Where the key is: the `!` path (after the stored path) and its line and column. */
  inner: string;
  line: number;
  column: number;
  key: string;
  binary?: true;
  decoded?: string[];
}

/** Line and column of `needle` in bytes, counting bytes (docs/scanner.md#binary-files). */
function bytePlace(bytes: Buffer, needle: string): { line: number; column: number } {
  const at = bytes.indexOf(needle);
  if (at < 0) throw new Error('needle not in bytes');
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < at; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}

function sh(command: string, cwd: string): void {
  execFileSync('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Builds the hiding places in `root` (outside the repository), returns them with their keys. */
function buildInputs(root: string): { files: Record<string, Buffer>; hidden: Hidden[] } {
  const work = join(root, 'work');
  mkdirSync(join(work, 'bundle'), { recursive: true });
  mkdirSync(join(work, 'conf'), { recursive: true });
  mkdirSync(join(work, 'app'), { recursive: true });
  const keys = { nested: newKey(), xz: newKey(), sqlite: newKey(), jar: newKey(), secret: newKey() };
  // A Kubernetes Secret (base64) in a tarball of manifests: decoding inside an archive entry.
  const secretYaml = `apiVersion: v1\nkind: Secret\ndata:\n  API_KEY: ${Buffer.from(keys.secret).toString('base64')}\n`;
  mkdirSync(join(work, 'k8s'));
  writeFileSync(join(work, 'k8s/secret.yaml'), secretYaml);
  sh('tar cjf manifests.tar.bz2 k8s', work);
  // A tar.gz holding a zip holding an env file: three layers (docs/scanner.md's example path).
  writeFileSync(join(work, 'conf/prod.env'), envText(keys.nested));
  sh('zip -q bundle/config.zip conf/prod.env && tar czf bundle.tar.gz bundle/config.zip', work);
  // A log compressed with xz.
  writeFileSync(join(work, 'app.log'), envText(keys.xz));
  sh('xz -k app.log', work);
  // A SQLite database: the key is stored against the column before it and its own type byte.
  const db = new Database(join(work, 'app.db'));
  db.exec('CREATE TABLE settings (name TEXT, value TEXT)');
  db.prepare('INSERT INTO settings VALUES (?, ?)').run('production', keys.sqlite);
  db.close();
  // A jar (a zip) holding a compiled class: binary bytes inside an archive.
  const classBytes = Buffer.concat([
    Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 0, 0x2f, 1, 0, 0x2f]),
    Buffer.from(keys.jar),
    Buffer.from([0, 1, 0, 0x0a]),
  ]);
  writeFileSync(join(work, 'app/Config.class'), classBytes);
  sh('zip -q app.jar app/Config.class', work);
  // Decoys: a bad-checksum key in a binary file, and the same shape in a gzip'd log.
  const decoy = `lfk_sk_${'a1b2c3d4e5'.repeat(4)}`;
  writeFileSync(join(work, 'decoy.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(decoy)]));
  writeFileSync(join(work, 'decoy.log'), `key=${decoy}\n`);
  sh('gzip decoy.log', work);

  const read = (name: string) => readFileSync(join(work, name));
  const sqliteBytes = read('app.db');
  const files: Record<string, Buffer> = {
    'release/bundle.tar.gz': read('bundle.tar.gz'),
    'logs/app.log.xz': read('app.log.xz'),
    'data/app.db': sqliteBytes,
    'lib/app.jar': read('app.jar'),
    'deploy/manifests.tar.bz2': read('manifests.tar.bz2'),
    'data/decoy.bin': read('decoy.bin'),
    'logs/decoy.log.gz': read('decoy.log.gz'),
  };
  const hidden: Hidden[] = [
    {
      path: 'release/bundle.tar.gz',
      inner: '!bundle/config.zip!conf/prod.env',
      line: KEY_LINE,
      column: KEY_COLUMN,
      key: keys.nested,
    },
    { path: 'logs/app.log.xz', inner: '', line: KEY_LINE, column: KEY_COLUMN, key: keys.xz },
    { path: 'data/app.db', inner: '', ...bytePlace(sqliteBytes, keys.sqlite), key: keys.sqlite, binary: true },
    {
      path: 'lib/app.jar',
      inner: '!app/Config.class',
      ...bytePlace(classBytes, keys.jar),
      key: keys.jar,
      binary: true,
    },
    {
      path: 'deploy/manifests.tar.bz2',
      inner: '!k8s/secret.yaml',
      line: 4,
      column: 12,
      key: keys.secret,
      decoded: ['base64'],
    },
  ];
  return { files, hidden };
}

const shape = (findings: readonly JsonFinding[], withCommit = false) =>
  findings
    .map((f) => ({
      file: f.file,
      line: f.line,
      column: f.column,
      secret: f.secret,
      binary: f.binary ?? false,
      decoded: f.decoded ?? [],
      ...(withCommit && { commit: f.commit }),
    }))
    .sort((a, b) => a.file.localeCompare(b.file));

const expected = (hidden: readonly Hidden[], extra: Record<string, unknown> = {}, prefix = (h: Hidden) => h.path) =>
  hidden
    .map((h) => ({
      file: `${prefix(h)}${h.inner}`,
      line: h.line,
      column: h.column,
      secret: h.key,
      binary: h.binary ?? false,
      decoded: h.decoded ?? [],
      ...extra,
    }))
    .sort((a, b) => a.file.localeCompare(b.file));

describeWithTools('archives and binary files in every mode', { timeout: 60_000 }, () => {
  const { files, hidden } = buildInputs(tempDir('lfk-hide-'));

  it('files: each key once, at its ! path, binary ones with binary: true', async () => {
    const repo = newRepo();
    writeFiles(repo, files);
    const { run, report } = await scanJson(repo, ['.']);
    expect(run.code).toBe(1);
    expect(shape(report.findings)).toEqual(expected(hidden));
  });

  it('standard input: the same, under "-"', async () => {
    const cwd = tempDir();
    for (const h of hidden) {
      const run = await runWithInput(cwd, files[h.path]!);
      expect(shape(run), h.path).toEqual(expected([h], {}, () => '-'));
    }
    for (const decoy of ['data/decoy.bin', 'logs/decoy.log.gz'])
      expect(await runWithInput(cwd, files[decoy]!), decoy).toEqual([]);
  });

  it('--git: each key once, at the commit that added the file, after the file was deleted again', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'x\n' });
    writeFiles(repo, files);
    const added = commit(repo, 'add build output');
    // The same files again with one byte more: new blobs holding the same keys, not reported twice.
    for (const [name, bytes] of Object.entries(files))
      if (name.endsWith('.db')) writeFileSync(join(repo, name), Buffer.concat([bytes, Buffer.from([0])]));
    commit(repo, 'touch the database');
    git(repo, 'rm', '-q', '-r', 'release', 'logs', 'data', 'lib', 'deploy');
    commit(repo, 'remove them');
    const { run, report } = await scanJson(repo, ['--git']);
    expect(run.code).toBe(1);
    expect(shape(report.findings, true)).toEqual(expected(hidden, { commit: added }));
  });

  it('--staged: the staged files, blocked', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'x\n' });
    stage(repo, files);
    const { run, report } = await scanJson(repo, ['--staged']);
    expect(run.code).toBe(1);
    expect(shape(report.findings)).toEqual(expected(hidden));
    expect(run.stderr).toContain('commit blocked');
  });

  it('--pre-push: the commits being pushed, blocked', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'x\n' });
    const base = pushToNewOrigin(repo);
    writeFiles(repo, files);
    const tip = commit(repo, 'add build output');
    const { run, report } = await scanPrePush(repo, { tip, base });
    expect(run.code).toBe(1);
    expect(shape(report.findings, true)).toEqual(expected(hidden, { commit: tip }));
    expect(run.stderr).toContain('push blocked');
  });

  it('--max-archive-depth 0 in the git modes: archives stay closed, binary files are still searched', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'x\n' });
    writeFiles(repo, files);
    commit(repo, 'add build output');
    const { report } = await scanJson(repo, ['--git', '--max-archive-depth', '0']);
    expect(shape(report.findings).map((f) => f.file)).toEqual(['data/app.db']);
  });

  async function runWithInput(cwd: string, bytes: Buffer): Promise<JsonFinding[]> {
    const { runLfk } = await import('../scanner/run-lfk.js');
    const run = await runLfk(['scan', '-', '--format', 'json', '--no-redact'], { cwd, input: bytes });
    if (run.code === 2) throw new Error(run.stderr);
    return (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
  }
});

it('a binary blob bigger than --max-file-size is read up to the limit, with a warning', async () => {
  const repo = newRepo();
  const key = newKey();
  const late = newKey();
  commit(repo, 'big', {
    'core.dump': Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from(key), Buffer.alloc(4096), Buffer.from(late)]),
  });
  const run = await lfk(repo, ['scan', '--git', '--max-file-size', '2048', '--format', 'json', '--no-redact']);
  const report = JSON.parse(run.stdout) as { findings: JsonFinding[] };
  expect(report.findings.map((f) => f.secret)).toEqual([key]);
  expect(run.stderr).toContain('core.dump: over --max-file-size 2048 bytes; the rest is not scanned');
});
