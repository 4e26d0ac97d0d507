// Security: commits choose their author, message and paths. Control characters in them must not
// reach the terminal raw through `lfk scan --git`'s text report or the pre-commit and pre-push
// block messages (the JSON report keeps them exactly, escaped by JSON).
import { describe, expect, it } from 'vitest';
import { expectNoRawControl } from '../support/raw-control.js';
import { commit, git, lfk, newKey, newRepo, scanJson, tempDir, tryGit, write } from './repo.js';

const PATH = 'src/\x1b[31mred\x1b[0m\x1b]0;owned\x07\r\u202e.env';
const SHOWN = 'src/\\x1b[31mred\\x1b[0m\\x1b]0;owned\\x07\\r\\u202e.env';
const AUTHOR = 'Eve \x1b[2K\x1b]0;pwned\x07\u009b31m';

/** Stages PATH with a key and commits it as AUTHOR, with control characters in the message too. */
function hostileCommit(repo: string): string {
  write(repo, PATH, `K=${newKey()}\n`);
  git(repo, 'add', '-A');
  const made = tryGit(repo, ['commit', '-q', '-m', 'msg \x1b[2J\x1b[H\u202e'], {
    GIT_AUTHOR_NAME: AUTHOR,
    GIT_AUTHOR_EMAIL: 'eve\x1b[5m@example.com',
  });
  if (made.status !== 0) throw new Error(`git commit failed: ${made.stderr}`);
  return git(repo, 'rev-parse', 'HEAD');
}

describe('lfk scan --git: control characters from commits are escaped', () => {
  it('history: a hostile path and author never reach the text output raw', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'hi\n' });
    const sha = hostileCommit(repo);
    // The commit really carries them (JSON keeps them exactly).
    const { report } = await scanJson(repo, ['--git']);
    expect(report.findings.map((f) => [f.file, f.author])).toEqual([[PATH, AUTHOR]]);

    const run = await lfk(repo, ['scan', '--git']);
    expect(run.code).toBe(1);
    expectNoRawControl(run.stdout, 'stdout');
    expectNoRawControl(run.stderr, 'stderr');
    expect(run.stdout).toContain(`${SHOWN}:1:3  trustleads-api-key`);
    expect(run.stdout).toContain(`commit ${sha.slice(0, 12)}`);
  });

  it('pre-commit: the block message lists the staged path escaped', async () => {
    const repo = newRepo();
    commit(repo, 'start', { 'README.md': 'hi\n' });
    write(repo, PATH, `K=${newKey()}\n`);
    git(repo, 'add', '-A');
    const run = await lfk(repo, ['scan', '--staged']);
    expect(run.code).toBe(1);
    expectNoRawControl(run.stdout, 'stdout');
    expectNoRawControl(run.stderr, 'stderr');
    expect(run.stderr).toContain('lfk: commit blocked');
    expect(run.stderr).toContain(`\n  ${SHOWN}:1  `);
  });

  it('pre-push: the block message lists the pushed path escaped', async () => {
    const repo = newRepo();
    const remote = tempDir();
    git(remote, 'init', '-q', '--bare');
    git(repo, 'remote', 'add', 'origin', remote);
    commit(repo, 'start', { 'README.md': 'hi\n' });
    const sha = hostileCommit(repo);
    const run = await lfk(repo, ['scan', '--pre-push', 'origin', remote], {
      input: `refs/heads/main ${sha} refs/heads/main ${'0'.repeat(40)}\n`,
    });
    expect(run.code).toBe(1);
    expectNoRawControl(run.stdout, 'stdout');
    expectNoRawControl(run.stderr, 'stderr');
    expect(run.stderr).toContain('lfk: push blocked');
    expect(run.stderr).toContain(`\n  ${SHOWN}:1  `);
    expect(run.stderr).toContain(`(commit ${sha.slice(0, 12)})`);
  });
});
