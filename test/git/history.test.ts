// `lfk scan --git` against real repositories: which commit added a key, ranges, merges, renames,
// binary files, odd paths, and the repositories that are not quite normal.
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commit, git, lfk, newKey, newRepo, scanJson, tempDir } from './repo.js';

describe('lfk scan --git: history', () => {
  it('finds a key added and later removed, with the commit that added it', async () => {
    const repo = newRepo();
    const key = newKey();
    commit(repo, 'start', { 'README.md': 'hello\n' });
    const added = commit(repo, 'add config', {
      'src/config.ts': `export const a = 1;\nexport const key = '${key}';\n`,
    });
    commit(repo, 'edit around it', {
      'src/config.ts': `// header\nexport const a = 1;\nexport const key = '${key}';\n`,
    });
    commit(repo, 'remove it', { 'src/config.ts': 'export const a = 1;\n' });
    // The working tree is clean: only history has the key.
    expect((await lfk(repo, ['scan'])).code).toBe(0);

    const { run, report } = await scanJson(repo, ['--git']);
    expect(run.code).toBe(1);
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({
      file: 'src/config.ts',
      line: 2,
      column: 21,
      secret: key,
      checksum: 'valid',
      commit: added,
      author: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    expect(finding!.date).toBe(git(repo, 'log', '-1', '--format=%aI', added));
    expect(report.stats.commits).toBe(4);

    const text = await lfk(repo, ['scan', '--git']);
    expect(text.stdout).toContain(`src/config.ts:2:21`);
    expect(text.stdout).toContain(`commit ${added.slice(0, 12)}`);
    expect(text.stdout).not.toContain(key);
  });

  it('paths are repository-relative from a sub-folder too, in JSON and SARIF', async () => {
    const repo = newRepo();
    commit(repo, 'key', { 'deep/er/k.env': `K=${newKey()}\n` });
    const { report } = await scanJson(`${repo}/deep`, ['--git']);
    expect(report.findings.map((f) => f.file)).toEqual(['deep/er/k.env']);
    const sarif = JSON.parse((await lfk(`${repo}/deep`, ['scan', '--git', '--format', 'sarif'])).stdout);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('deep/er/k.env');
  });

  it('--since REV, --range A..B and --all choose the commits', async () => {
    const repo = newRepo();
    const k1 = newKey();
    const k2 = newKey();
    const k3 = newKey();
    const c1 = commit(repo, 'one', { 'a.txt': `${k1}\n` });
    const c2 = commit(repo, 'two', { 'b.txt': `${k2}\n` });
    git(repo, 'checkout', '-q', '-b', 'side');
    const c3 = commit(repo, 'three', { 'c.txt': `${k3}\n` });
    git(repo, 'checkout', '-q', 'main');
    const secrets = async (args: string[]) => (await scanJson(repo, args)).report.findings.map((f) => f.secret).sort();

    expect(await secrets(['--git'])).toEqual([k1, k2].sort());
    expect(await secrets(['--git', '--since', c1])).toEqual([k2]);
    expect(await secrets(['--git', '--range', `${c1}..${c3}`])).toEqual([k2, k3].sort());
    expect(await secrets(['--git', '--all'])).toEqual([k1, k2, k3].sort());
    expect(await secrets(['--git', '--all', '--since', c2])).toEqual([k3]);
    const commits = (await scanJson(repo, ['--git', '--range', `${c1}..${c2}`])).report.stats.commits;
    expect(commits).toBe(1);
  });

  it('a merge reports only what the merge itself added; the branch keys stay with their commits', async () => {
    const repo = newRepo();
    const sideKey = newKey();
    const evilKey = newKey();
    commit(repo, 'base', { 'f.txt': 'a\nb\n' });
    git(repo, 'checkout', '-q', '-b', 'side');
    const sideCommit = commit(repo, 'side', { 'side.txt': `${sideKey}\n` });
    git(repo, 'checkout', '-q', 'main');
    commit(repo, 'main', { 'm.txt': 'main\n' });
    git(repo, 'merge', '-q', '--no-ff', '--no-commit', 'side');
    git(repo, 'commit', '-q', '-m', 'merge');
    commit(repo, 'x', {});
    // An "evil" merge: content that none of the parents had.
    git(repo, 'checkout', '-q', '-b', 'side2', 'HEAD~2');
    commit(repo, 'side2', { 'n.txt': 'one\n' });
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'merge', '-q', '--no-ff', '--no-commit', 'side2');
    commit(repo, 'evil merge', { 'n.txt': `one\n${evilKey}\n` });
    const merge = git(repo, 'rev-parse', 'HEAD');

    const { report } = await scanJson(repo, ['--git']);
    const found = report.findings.map((f) => [f.secret, f.commit, f.file, f.line]);
    expect(found).toHaveLength(2);
    expect(found).toContainEqual([sideKey, sideCommit, 'side.txt', 1]);
    expect(found).toContainEqual([evilKey, merge, 'n.txt', 2]);
  });

  it('a renamed file is not reported again; a line added while renaming is, at its new path', async () => {
    const repo = newRepo();
    const k1 = newKey();
    const k2 = newKey();
    const body = Array.from({ length: 30 }, (_, i) => `line ${i} of a file long enough to keep its identity`).join(
      '\n',
    );
    const first = commit(repo, 'add', { 'old/name.txt': `${body}\nK=${k1}\n` });
    mkdirSync(`${repo}/new`);
    git(repo, 'mv', 'old/name.txt', 'new/name.txt');
    const renamed = commit(repo, 'rename and add', { 'new/name.txt': `${body}\nK=${k1}\nK2=${k2}\n` });
    const { report } = await scanJson(repo, ['--git']);
    expect(report.findings.map((f) => [f.secret, f.file, f.line, f.commit])).toEqual([
      [k2, 'new/name.txt', 32, renamed],
      [k1, 'old/name.txt', 31, first],
    ]);
  });

  it('binary files are searched as bytes: a key once, at the oldest commit whose version holds it', async () => {
    const repo = newRepo();
    const key = newKey();
    const later = newKey();
    const bytes = (...keys: string[]) =>
      Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(`${keys.join('\n')}\n`)]);
    const first = commit(repo, 'bin', { 'blob.bin': bytes(key) });
    const second = commit(repo, 'bin again', { 'blob.bin': bytes(key, later) });
    commit(repo, 'gone', {});
    git(repo, 'rm', '-q', 'blob.bin');
    git(repo, 'commit', '-q', '-m', 'removed');
    const { run, report } = await scanJson(repo, ['--git']);
    expect(run.code).toBe(1);
    expect(report.findings.map((f) => [f.file, f.line, f.column, f.secret, f.commit, f.binary])).toEqual([
      ['blob.bin', 1, 5, key, first, true],
      ['blob.bin', 2, 1, later, second, true],
    ]);
    // Three binary diffs (the deletion among them), two blobs read.
    expect(report.stats.binary).toBe(3);
  });

  it('quoted, non-ASCII and space-holding paths come out as they are', async () => {
    const repo = newRepo();
    const names = ['we"ird\nna\\me.txt', 'ü dir/naïve ß.txt', 'with space.txt', 'tab\there.txt'];
    const keys = names.map(() => newKey());
    commit(repo, 'odd names', Object.fromEntries(names.map((name, i) => [name, `x\n${keys[i]}\n`])));
    const { report } = await scanJson(repo, ['--git']);
    expect(report.findings.map((f) => [f.file, f.line, f.secret]).sort()).toEqual(
      names.map((name, i) => [name, 2, keys[i]]).sort(),
    );
  });

  it('lfk:allow and .lfkignore work on history as on files', async () => {
    const repo = newRepo();
    const allowed = newKey();
    const ignored = newKey();
    commit(repo, 'fixtures', { 'test/f.ts': `const k = '${allowed}'; // lfk:allow\nconst j = '${ignored}';\n` });
    const fingerprint = (await scanJson(repo, ['--git'])).report.findings.map(
      (f) => (f as unknown as { fingerprint: string }).fingerprint,
    );
    expect(fingerprint).toHaveLength(1);
    commit(repo, 'ignore', { '.lfkignore': `# test fixture\n${fingerprint[0]}\n` });
    const run = await lfk(repo, ['scan', '--git']);
    expect(run.code).toBe(0);
  });
});

describe('lfk scan --git: unusual repositories', () => {
  it('outside a repository: exit 2 and says so', async () => {
    const dir = tempDir();
    for (const mode of ['--git', '--staged', '--pre-push']) {
      const run = await lfk(dir, ['scan', mode]);
      expect(run.code, mode).toBe(2);
      expect(run.stderr).toMatch(/not a git repository/);
    }
  });

  it('an empty repository: nothing to scan, exit 0', async () => {
    const repo = newRepo();
    const run = await lfk(repo, ['scan', '--git']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no commits yet');
    const all = await scanJson(repo, ['--git', '--all']);
    expect(all.run.code).toBe(0);
    expect(all.report.stats.commits).toBe(0);
  });

  it('a range or revision that does not exist: exit 2 with the name', async () => {
    const repo = newRepo();
    commit(repo, 'one', { 'a.txt': 'a\n' });
    for (const args of [['--range', 'nope..HEAD'], ['--range', 'HEAD'], ['--since', 'v9.9'], ['--since=--output=x']]) {
      const run = await lfk(repo, ['scan', '--git', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^lfk: --(range|since)/);
    }
  });

  it('usage mistakes: modes combined, history options without --git, paths with --git', async () => {
    const repo = newRepo();
    for (const args of [
      ['--git', '--staged'],
      ['--all'],
      ['--since', 'HEAD'],
      ['--git', 'src'],
      ['--git', '--since', 'a', '--range', 'a..b'],
    ]) {
      const run = await lfk(repo, ['scan', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
    }
  });

  it('a shallow clone: the oldest commit there stands for all before it', async () => {
    const origin = newRepo();
    const key = newKey();
    commit(origin, 'old', { 'k.env': `K=${key}\n` });
    commit(origin, 'newer', { 'a.txt': 'a\n' });
    const clone = tempDir();
    git(clone, 'clone', '-q', '--depth', '1', `file://${origin}`, 'c');
    const { run, report } = await scanJson(`${clone}/c`, ['--git']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('shallow clone');
    expect(report.stats.commits).toBe(1);
    expect(report.findings.map((f) => [f.file, f.secret, f.commit])).toEqual([
      ['k.env', key, git(origin, 'rev-parse', 'HEAD')],
    ]);
  });

  it('a detached HEAD scans the history of that commit', async () => {
    const repo = newRepo();
    const k1 = newKey();
    const k2 = newKey();
    commit(repo, 'one', { 'a.txt': `${k1}\n` });
    commit(repo, 'two', { 'b.txt': `${k2}\n` });
    git(repo, 'checkout', '-q', '--detach', 'HEAD~1');
    expect((await scanJson(repo, ['--git'])).report.findings.map((f) => f.secret)).toEqual([k1]);
    expect((await scanJson(repo, ['--git', '--all'])).report.findings).toHaveLength(2);
  });

  it('a commit adding a 100 MB file: streamed in bounded memory; --max-file-size cuts one file diff', async () => {
    const repo = newRepo();
    const key = newKey();
    const early = newKey();
    // 100 MB of real-looking lines, with one 3 MB line holding a key near its end (past the
    // parser's 1 MiB long-line limit, so it streams in pieces).
    const line = 'const data = "Lorem ipsum dolor sit amet, consectetur adipiscing elit";\n';
    const head = `${early}\n`;
    const long = `${'x'.repeat(3_000_000)} ${key}\n`;
    const lines = Math.floor((100_000_000 - head.length - long.length) / line.length);
    const half = Math.floor(lines / 2);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${repo}/big.js`, head + line.repeat(half) + long + line.repeat(lines - half));
    git(repo, 'add', 'big.js');
    git(repo, 'commit', '-q', '-m', 'big');
    const sparse = `${repo}/sparse.img`;
    const { truncateSync, closeSync, openSync } = await import('node:fs');
    closeSync(openSync(sparse, 'w'));
    truncateSync(sparse, 100 * 1024 * 1024);
    git(repo, 'add', 'sparse.img');
    git(repo, 'commit', '-q', '-m', 'sparse');

    const run = await lfk(repo, ['scan', '--git', '--format', 'json', '--no-redact'], {
      wrapper: ['/usr/bin/time', '-f', 'maxrss_kb=%M'],
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(
      report.findings.map((f: { secret: string; line: number; column: number }) => [f.secret, f.line, f.column]),
    ).toEqual([
      [early, 1, 1],
      [key, half + 2, 3_000_002],
    ]);
    expect(report.stats.binary).toBe(1);
    const rssKb = Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1]);
    expect(rssKb).toBeGreaterThan(0);
    expect(rssKb).toBeLessThan(250 * 1024);

    const cut = await lfk(repo, ['scan', '--git', '--format', 'json', '--no-redact', '--max-file-size', '1M']);
    const cutReport = JSON.parse(cut.stdout);
    expect(cutReport.findings.map((f: { secret: string }) => f.secret)).toEqual([early]);
    expect(cutReport.stats.skipped).toBe(1);
    expect(cut.stderr).toContain('big.js: adds more than --max-file-size');
  }, 120_000);
});
