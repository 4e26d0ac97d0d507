// SPEC §7.4: `lfk scan --pre-receive` in a server's pre-receive hook, installed with
// `lfk hook install --pre-receive` in a real bare repository and run by real `git push` over the
// local transport. During pre-receive the pushed objects are still in git's quarantine: lfk must
// read them there (GIT_QUARANTINE_PATH, alternates), or it could not scan the push at all.
import { describe, expect, it } from 'vitest';
import { commit, git, lfk, newKey, newRepo, tempDir, tryGit } from './repo.js';

function server(): string {
  const bare = tempDir('lfk-server-');
  git(bare, 'init', '-q', '--bare', '-b', 'main');
  git(bare, 'config', 'receive.advertisePushOptions', 'true');
  return bare;
}

async function withHook(): Promise<{ bare: string; repo: string }> {
  const bare = server();
  const installed = await lfk(bare, ['hook', 'install', '--pre-receive']);
  expect(installed.code, installed.stderr).toBe(0);
  expect(installed.stdout).toContain('installed pre-receive hook');
  const repo = newRepo();
  commit(repo, 'start', { 'README.md': '# app\n' });
  git(repo, 'remote', 'add', 'origin', bare);
  expect(tryGit(repo, ['push', '-q', 'origin', 'main']).status).toBe(0);
  return { bare, repo };
}

const headOf = (bare: string, ref: string) => tryGit(bare, ['rev-parse', '--verify', '--quiet', ref]).stdout.trim();

describe('lfk scan --pre-receive', () => {
  it('refuses a new branch that adds a key, and tells the pusher where and what to do', async () => {
    const { bare, repo } = await withHook();
    git(repo, 'checkout', '-q', '-b', 'feature');
    const key = newKey();
    const added = commit(repo, 'add config', { 'config/app.env': `NAME=crm\nKEY=${key}\n` });
    commit(repo, 'more work', { 'src/app.ts': 'export {};\n' });
    const push = tryGit(repo, ['push', 'origin', 'feature']);
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('remote: lfk: push refused: 1 Trust Leads API key in the commits you pushed:');
    expect(push.stderr).toContain(`remote:   config/app.env:2  ${key.slice(0, 11)}…${key.slice(-4)}  (commit ${added.slice(0, 12)})`);
    expect(push.stderr).toContain('git push -o lfk.skip=');
    expect(push.stderr).not.toContain(key);
    expect(headOf(bare, 'refs/heads/feature')).toBe('');
  });

  it('lets clean pushes, deletions and already-present commits through; refuses force pushes, tags and many-branch pushes that bring a key', async () => {
    const { bare, repo } = await withHook();
    commit(repo, 'clean', { 'src/a.ts': 'export const a = 1;\n' });
    expect(tryGit(repo, ['push', '-q', 'origin', 'main']).status).toBe(0);
    // A branch at a commit the server has: nothing new to scan.
    expect(tryGit(repo, ['push', '-q', 'origin', 'main:refs/heads/copy']).status).toBe(0);
    expect(tryGit(repo, ['push', '-q', 'origin', ':refs/heads/copy']).status).toBe(0);
    expect(headOf(bare, 'refs/heads/copy')).toBe('');
    // A force push that rewrites main with a key.
    git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    commit(repo, 'rewritten', { 'ci.yml': `token: ${newKey()}\n` });
    expect(tryGit(repo, ['push', '-q', '-f', 'origin', 'main']).status).not.toBe(0);
    // A tag on a commit holding a key.
    expect(tryGit(repo, ['tag', 'v1']).status).toBe(0);
    expect(tryGit(repo, ['push', '-q', 'origin', 'v1']).status).not.toBe(0);
    expect(headOf(bare, 'refs/tags/v1')).toBe('');
    // Several branches at once: one with a key refuses them all (pre-receive is all or nothing).
    git(repo, 'checkout', '-q', '-b', 'clean', 'origin/main');
    commit(repo, 'fine', { 'b.ts': 'export const b = 2;\n' });
    const many = tryGit(repo, ['push', '-q', 'origin', 'clean', 'main:refs/heads/bad']);
    expect(many.status).not.toBe(0);
    expect(headOf(bare, 'refs/heads/clean')).toBe('');
  });

  it('lfk.skip=<reason> lets the push through and says so; past LFK_PRE_RECEIVE_TIMEOUT the push goes through with a warning', async () => {
    const { bare, repo } = await withHook();
    git(repo, 'checkout', '-q', '-b', 'fixture');
    commit(repo, 'fixture', { 'test/key.txt': `${newKey()}\n` });
    const skipped = tryGit(repo, ['push', '-o', 'lfk.skip=a test fixture, not a real key', 'origin', 'fixture']);
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain('remote: lfk: push let through by lfk.skip (a test fixture, not a real key): 1 Trust Leads API key not blocked');
    expect(headOf(bare, 'refs/heads/fixture')).not.toBe('');
    git(repo, 'checkout', '-q', '-b', 'slow');
    commit(repo, 'slow', { 'k.txt': `${newKey()}\n` });
    const late = tryGit(repo, ['push', 'origin', 'slow'], { LFK_PRE_RECEIVE_TIMEOUT: '0.001' });
    expect(late.status, late.stderr).toBe(0);
    expect(late.stderr).toContain('the scan took longer than LFK_PRE_RECEIVE_TIMEOUT (0.001 s): the push is let through unscanned');
  });

  it('bad input on stdin is a usage error', async () => {
    const bare = server();
    const run = await lfk(bare, ['scan', '--pre-receive'], { input: 'not a line\n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--pre-receive: not a line git's pre-receive hook sends");
  });
});
