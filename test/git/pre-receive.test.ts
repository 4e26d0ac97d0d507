// `lfk scan --pre-receive` in a server's pre-receive hook (docs/git.md), installed with
// `lfk hook install --pre-receive` in a real bare repository and run by real `git push` over the
// local transport. During pre-receive the pushed objects are still in git's quarantine: lfk must
// read them there (GIT_QUARANTINE_PATH, alternates), or it could not scan the push at all.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startFakeKeyService } from '../scanner/key-service-fake.js';
import { commit, git, GIT_ENV, lfk, newKey, newRepo, tempDir, tryGit } from './repo.js';

function server(): string {
  const bare = tempDir('lfk-server-');
  git(bare, 'init', '-q', '--bare', '-b', 'main');
  git(bare, 'config', 'receive.advertisePushOptions', 'true');
  return bare;
}

/** `git push` without blocking the event loop: the hook reaches a key service in this process. */
function pushAsync(
  repo: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['push', ...args], {
      cwd: repo,
      env: { ...process.env, ...GIT_ENV, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stderr }));
  });
}

async function withHook(
  installArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<{ bare: string; repo: string }> {
  const bare = server();
  const installed = await lfk(bare, ['hook', 'install', '--pre-receive', ...installArgs]);
  expect(installed.code, installed.stderr).toBe(0);
  expect(installed.stdout).toContain('installed pre-receive hook');
  const repo = newRepo();
  commit(repo, 'start', { 'README.md': '# app\n' });
  git(repo, 'remote', 'add', 'origin', bare);
  expect((await pushAsync(repo, ['-q', 'origin', 'main'], env)).status).toBe(0);
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
    expect(push.stderr).toContain(
      `remote:   config/app.env:2  ${key.slice(0, 11)}…${key.slice(-4)}  (commit ${added.slice(0, 12)})`,
    );
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
    expect(skipped.stderr).toContain(
      'remote: lfk: push let through by lfk.skip (a test fixture, not a real key): 1 Trust Leads API key not blocked',
    );
    expect(headOf(bare, 'refs/heads/fixture')).not.toBe('');
    git(repo, 'checkout', '-q', '-b', 'slow');
    commit(repo, 'slow', { 'k.txt': `${newKey()}\n` });
    const late = tryGit(repo, ['push', 'origin', 'slow'], { LFK_PRE_RECEIVE_TIMEOUT: '0.001' });
    expect(late.status, late.stderr).toBe(0);
    expect(late.stderr).toContain(
      'the scan took longer than LFK_PRE_RECEIVE_TIMEOUT (0.001 s): the push is let through unscanned',
    );
  });

  it('installed with --revoke, revokes what it refuses, and reports a skipped push with its reason', async () => {
    const [refused, skipped] = [newKey(), newKey()];
    const service = await startFakeKeyService({ [refused]: 'active', [skipped]: 'active' });
    try {
      const env = { LFK_KEY_SERVICE_URL: service.url };
      const { bare, repo } = await withHook(['--revoke'], env);
      git(repo, 'checkout', '-q', '-b', 'one');
      commit(repo, 'one', { 'a.env': `KEY=${refused}\n` });
      const first = await pushAsync(repo, ['origin', 'one'], env);
      expect(first.status).not.toBe(0);
      expect(first.stderr).toContain('remote: lfk: push refused');
      git(repo, 'checkout', '-q', '-b', 'two', 'origin/main');
      commit(repo, 'two', { 'test/fixture.env': `KEY=${skipped}\n` });
      const second = await pushAsync(repo, ['-o', 'lfk.skip=fixture for the CRM tests', 'origin', 'two'], env);
      expect(second.status, second.stderr).toBe(0);
      expect(headOf(bare, 'refs/heads/two')).not.toBe('');
      expect(service.requests.map((request) => [request.path, request.body.keys])).toEqual([
        ['/v1/exposures', [refused]],
        ['/v1/exposures', [skipped]],
      ]);
      expect(service.requests[0]!.body.source).toEqual({
        kind: 'scanner',
        location: expect.stringMatching(/^a\.env:1 \([0-9a-f]{7}\)$/),
      });
      expect(service.requests[1]!.body.source).toEqual({
        kind: 'scanner',
        location: expect.stringMatching(
          /^pushed past the pre-receive hook with lfk\.skip: fixture for the CRM tests; test\/fixture\.env:1 /,
        ),
      });
      expect(`${first.stderr}${second.stderr}`).not.toContain(refused);
    } finally {
      await service.close();
    }
    const refusedFlag = await lfk(server(), ['hook', 'install', '--pre-push', '--revoke']);
    expect(refusedFlag.code).toBe(2);
    expect(refusedFlag.stderr).toContain('--revoke goes with --pre-receive alone');
  });

  it('bad input on stdin is a usage error', async () => {
    const bare = server();
    const run = await lfk(bare, ['scan', '--pre-receive'], { input: 'not a line\n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--pre-receive: not a line git's pre-receive hook sends");
  });
});
