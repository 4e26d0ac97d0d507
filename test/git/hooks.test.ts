// The staged diff, pre-push and the installed hooks, driven through real `git commit` and
// `git push` to a local bare repository.
import { existsSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeKeyService, type FakeKeyService } from '../scanner/key-service-fake.js';
import { commit, git, lfk, newKey, newRepo, scanJson, tempDir, tryGit, write } from './repo.js';

const ZERO = '0'.repeat(40);

/** A hook that leaves a trace, to show it still runs. */
function traceHook(log: string, word: string): string {
  return `#!/bin/sh\necho ${word} >> ${JSON.stringify(log)}\n`;
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

let service: FakeKeyService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe('lfk scan --staged', () => {
  it('scans what is staged, not the working tree, and says how to fix it', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'app.ts': 'export {};\n' });
    const staged = newKey();
    const unstaged = newKey();
    write(repo, 'src/settings.ts', `const a = 1;\nconst key = "${staged}";\n`);
    git(repo, 'add', 'src/settings.ts');
    write(repo, 'app.ts', `export const k = "${unstaged}";\n`);
    const { run, report } = await scanJson(repo, ['--staged']);
    expect(run.code).toBe(1);
    expect(report.findings.map((f) => [f.file, f.line, f.column, f.secret, f.commit])).toEqual([
      ['src/settings.ts', 2, 14, staged, undefined],
    ]);
    expect(report.stats.commits).toBeUndefined();
    expect(run.stderr).toContain('src/settings.ts:2');
    expect(run.stderr).toContain('has not left this machine');
    expect(run.stderr).toContain('environment variable');
    expect(run.stderr).toContain('lfk:allow');
    git(repo, 'restore', '--staged', 'src/settings.ts');
    expect((await lfk(repo, ['scan', '--staged'])).code).toBe(0);
  });

  it('works in a repository without commits yet', async () => {
    const repo = newRepo();
    const key = newKey();
    write(repo, 'first.env', `KEY=${key}\n`);
    git(repo, 'add', 'first.env');
    const { run, report } = await scanJson(repo, ['--staged']);
    expect(run.code).toBe(1);
    expect(report.findings.map((f) => f.secret)).toEqual([key]);
  });

  it('never revokes: --revoke is refused with exit 2 and nothing is sent', async () => {
    const repo = newRepo();
    const key = newKey();
    service = await startFakeKeyService({ [key]: 'active' });
    write(repo, 'a.env', `KEY=${key}\n`);
    git(repo, 'add', 'a.env');
    const run = await lfk(repo, ['scan', '--staged', '--revoke'], { env: { LFK_KEY_SERVICE_URL: service.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--staged never revokes');
    expect(service.requests).toEqual([]);
  });
});

describe('lfk scan --git --revoke', () => {
  it('reports live keys found in history to the key service', async () => {
    const repo = newRepo();
    const live = newKey();
    const revoked = newKey();
    service = await startFakeKeyService({ [live]: 'active', [revoked]: 'revoked' });
    commit(repo, 'one', { 'a.env': `A=${live}\n` });
    commit(repo, 'two', { 'a.env': `B=${revoked}\n` });
    const { run, report } = await scanJson(repo, ['--git', '--revoke'], { env: { LFK_KEY_SERVICE_URL: service.url } });
    expect(run.code).toBe(1);
    expect(Object.fromEntries(report.findings.map((f) => [f.secret, f.revocation]))).toEqual({
      [live]: 'revoked',
      [revoked]: 'already_revoked',
    });
    expect(service.requests.map((r) => r.path)).toEqual(['/v1/exposures']);
    expect(service.requests[0]!.body.keys.sort()).toEqual([live, revoked].sort());
    expect(service.requests[0]!.body.source).toMatchObject({ kind: 'scanner' });
  });

  it('--pre-push --revoke reports the keys of every pushed commit and file in one call, each place with its commit', async () => {
    const repo = newRepo();
    const [a, b, c] = [newKey(), newKey(), newKey()];
    service = await startFakeKeyService({ [a]: 'active', [b]: 'active' });
    const base = commit(repo, 'base', { 'README.md': 'hi\n' });
    const one = commit(repo, 'one', { 'a.env': `A=${a}\n`, 'b.env': `B=${b}\n` });
    const two = commit(repo, 'two', { 'c.env': `x=1\nC=${c}\nA=${a}\n` });
    const input = `refs/heads/main ${two} refs/heads/main ${base}\n`;
    const { report } = await scanJson(repo, ['--pre-push', 'origin', '--revoke'], {
      input,
      env: { LFK_KEY_SERVICE_URL: service.url },
    });
    expect(report.findings.map((f) => [f.file, f.revocation])).toEqual([
      ['c.env', 'unknown'],
      ['c.env', 'revoked'],
      ['a.env', 'revoked'],
      ['b.env', 'revoked'],
    ]);
    expect(service.requests).toHaveLength(1);
    expect(service.requests[0]!.body).toEqual({
      keys: [c, a, b],
      source: {
        kind: 'scanner',
        location: `c.env:2 (${two.slice(0, 7)}), c.env:3 (${two.slice(0, 7)}), a.env:1 (${one.slice(0, 7)}), b.env:1 (${one.slice(0, 7)})`,
      },
    });
  });
});

describe('lfk hook install / uninstall', () => {
  it('a staged key blocks git commit, a clean commit passes, and the existing hook keeps running', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'hi\n' });
    const log = join(tempDir(), 'trace.log');
    const hooks = join(repo, '.git', 'hooks');
    writeFileSync(join(hooks, 'pre-commit'), traceHook(log, 'old'));
    chmodSync(join(hooks, 'pre-commit'), 0o755);

    const installed = await lfk(repo, ['hook', 'install']);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('pre-commit.lfk-chained');
    const hook = readFileSync(join(hooks, 'pre-commit'), 'utf8');
    // Installing again changes nothing and chains nothing twice.
    expect((await lfk(repo, ['hook', 'install', '--pre-commit'])).code).toBe(0);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe(hook);
    expect(readFileSync(join(hooks, 'pre-commit.lfk-chained'), 'utf8')).toBe(traceHook(log, 'old'));

    const key = newKey();
    write(repo, 'config.js', `module.exports = {\n  key: "${key}",\n};\n`);
    git(repo, 'add', 'config.js');
    const head = git(repo, 'rev-parse', 'HEAD');
    // A machine-wide CA bundle for a TLS proxy is common: the hook's scan, which makes no network
    // connection, does not make Node load it at start (a missing file would make Node warn).
    const blocked = tryGit(repo, ['commit', '-m', 'with key'], {
      NODE_EXTRA_CA_CERTS: join(tempDir(), 'missing-ca.pem'),
    });
    expect(blocked.stderr).not.toContain('extra certs');
    expect(blocked.status).not.toBe(0);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(blocked.stderr).toContain('config.js:2');
    expect(blocked.stderr).toContain('has not left this machine');
    expect(lines(log)).toEqual(['old']);

    write(repo, 'config.js', 'module.exports = {\n  key: process.env.TRUSTLEADS_API_KEY,\n};\n');
    git(repo, 'add', 'config.js');
    const clean = tryGit(repo, ['commit', '-q', '-m', 'clean']);
    expect(clean.status).toBe(0);
    expect(git(repo, 'rev-parse', 'HEAD')).not.toBe(head);
    expect(lines(log)).toEqual(['old', 'old']);

    const removed = await lfk(repo, ['hook', 'uninstall']);
    expect(removed.code).toBe(0);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe(traceHook(log, 'old'));
    expect(existsSync(join(hooks, 'pre-commit.lfk-chained'))).toBe(false);
    write(repo, 'other.js', `// ${key}\n`);
    git(repo, 'add', 'other.js');
    expect(tryGit(repo, ['commit', '-q', '-m', 'unguarded']).status).toBe(0);
    expect(lines(log)).toEqual(['old', 'old', 'old']);
  });

  it('respects core.hooksPath', async () => {
    const repo = newRepo();
    git(repo, 'config', 'core.hooksPath', '.githooks');
    expect((await lfk(repo, ['hook', 'install', '--pre-commit', '--pre-push'])).code).toBe(0);
    expect(readdirSync(join(repo, '.githooks')).sort()).toEqual(['pre-commit', 'pre-push']);
    expect(readdirSync(join(repo, '.git', 'hooks')).filter((name) => !name.endsWith('.sample'))).toEqual([]);
    write(repo, 'k.txt', `${newKey()}\n`);
    git(repo, 'add', 'k.txt');
    expect(tryGit(repo, ['commit', '-m', 'k']).status).not.toBe(0);
    await lfk(repo, ['hook', 'uninstall']);
    expect(readdirSync(join(repo, '.githooks'))).toEqual([]);
  });

  it('a hook whose lfk is gone lets the commit through and says so', async () => {
    const repo = newRepo();
    expect((await lfk(repo, ['hook', 'install'])).code).toBe(0);
    const path = join(repo, '.git', 'hooks', 'pre-commit');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^lfk_main=.*$/m, "lfk_main='/nonexistent/lfk/main.js'"));
    write(repo, 'k.txt', `${newKey()}\n`);
    git(repo, 'add', 'k.txt');
    // node and npx stay reachable; no lfk on PATH and none for npx to find.
    const run = tryGit(repo, ['commit', '-q', '-m', 'k'], { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('lfk not found');
    expect(run.stderr).toContain('NOT scanned');
  });

  it('uninstall without lfk hooks says so; usage mistakes exit 2; outside a repository exit 2', async () => {
    const repo = newRepo();
    const none = await lfk(repo, ['hook', 'uninstall']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no lfk hooks installed');
    expect((await lfk(repo, ['hook', 'fly'])).code).toBe(2);
    expect((await lfk(repo, ['hook'])).code).toBe(2);
    expect((await lfk(tempDir(), ['hook', 'install'])).code).toBe(2);
  });
});

describe('pre-push', () => {
  /** A repository pushed to a local bare one, with an old key already on the remote. */
  function pushedRepo() {
    const remote = tempDir();
    git(remote, 'init', '-q', '--bare', '-b', 'main');
    const repo = newRepo();
    git(repo, 'remote', 'add', 'origin', remote);
    commit(repo, 'start', { 'README.md': 'hi\n' });
    const oldKey = newKey();
    commit(repo, 'old key, already public', { 'old.env': `K=${oldKey}\n` });
    git(repo, 'push', '-q', '-u', 'origin', 'main');
    return { repo, remote, oldKey };
  }

  it('the hook scans only the pushed commits; new branches and deletions', async () => {
    const { repo, remote } = pushedRepo();
    expect((await lfk(repo, ['hook', 'install', '--pre-push'])).code).toBe(0);

    // Clean commits pass although the remote's history holds a key.
    commit(repo, 'clean', { 'a.txt': 'a\n' });
    expect(tryGit(repo, ['push', '-q', 'origin', 'main']).status).toBe(0);

    // A commit with a key is refused; the remote keeps its old head.
    const remoteHead = git(remote, 'rev-parse', 'main');
    const key = newKey();
    commit(repo, 'leak', { 'src/k.ts': `export const k = "${key}";\n` });
    commit(repo, 'after', { 'b.txt': 'b\n' });
    const blocked = tryGit(repo, ['push', 'origin', 'main']);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('push blocked');
    expect(blocked.stderr).toContain('src/k.ts:1');
    expect(git(remote, 'rev-parse', 'main')).toBe(remoteHead);

    // A new branch from the pushed history: only its own commit is scanned.
    git(repo, 'checkout', '-q', '-b', 'feature', remoteHead);
    commit(repo, 'feature work', { 'f.txt': 'f\n' });
    expect(tryGit(repo, ['push', '-q', 'origin', 'feature']).status).toBe(0);
    // Deleting it pushes no commits.
    expect(tryGit(repo, ['push', '-q', 'origin', '--delete', 'feature']).status).toBe(0);
  });

  it("lfk scan --pre-push reads git's lines: exactly the commits being pushed", async () => {
    const { repo } = pushedRepo();
    const remoteSha = git(repo, 'rev-parse', 'origin/main');
    const key = newKey();
    const leak = commit(repo, 'leak', { 'k.env': `K=${key}\n` });
    const tip = commit(repo, 'tip', { 'c.txt': 'c\n' });

    const update = await scanJson(repo, ['--pre-push', 'origin'], {
      input: `refs/heads/main ${tip} refs/heads/main ${remoteSha}\n`,
    });
    expect(update.run.code).toBe(1);
    expect(update.report.stats.commits).toBe(2);
    expect(update.report.findings.map((f) => [f.secret, f.commit])).toEqual([[key, leak]]);

    // A new branch (remote sha all zeros): the commits no ref of origin has.
    const fresh = await scanJson(repo, ['--pre-push', 'origin'], {
      input: `refs/heads/main ${tip} refs/heads/topic ${ZERO}\n`,
    });
    expect(fresh.report.stats.commits).toBe(2);

    // A force push over a remote sha we never fetched: remote-tracking refs still bound it.
    const forced = await scanJson(repo, ['--pre-push', 'origin'], {
      input: `refs/heads/main ${tip} refs/heads/main ${'f'.repeat(40)}\n`,
    });
    expect(forced.report.stats.commits).toBe(2);

    // A deleted branch: nothing to scan, exit 0 with a note.
    const deleted = await lfk(repo, ['scan', '--pre-push', 'origin'], {
      input: `(delete) ${ZERO} refs/heads/old ${remoteSha}\n`,
    });
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toContain('refs/heads/old: deleted on the remote, nothing to scan');

    // The pre-commit framework passes no stdin but PRE_COMMIT_* variables.
    const framework = await scanJson(repo, ['--pre-push'], {
      env: {
        PRE_COMMIT_FROM_REF: remoteSha,
        PRE_COMMIT_TO_REF: tip,
        PRE_COMMIT_REMOTE_NAME: 'origin',
        PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/main',
        PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main',
      },
    });
    expect(framework.report.stats.commits).toBe(2);
    expect(framework.report.findings.map((f) => f.commit)).toEqual([leak]);

    // Nothing on stdin: nothing pushed.
    expect((await lfk(repo, ['scan', '--pre-push', 'origin'])).code).toBe(0);

    // Not git's format: exit 2.
    const bad = await lfk(repo, ['scan', '--pre-push', 'origin'], { input: 'main HEAD\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a line git');
  });
});
