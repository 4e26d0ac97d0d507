// Progress for history scans: on a terminal's stderr only. `script` gives the child a
// pseudo-terminal (util-linux); without it the test is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { captureLfkRun } from '../support/leak-capture.js';
import { LFK_BIN } from '../scanner/run-lfk.js';
import { GIT_ENV, commit, newKey, newRepo } from './repo.js';

const SCRIPT = '/usr/bin/script';

describe.skipIf(!existsSync(SCRIPT))('lfk scan --git on a terminal', () => {
  const repo = newRepo();
  commit(repo, 'one', { 'a.env': `K=${newKey()}\n` });
  commit(repo, 'two', { 'b.txt': 'b\n' });

  it('counts commits on the terminal and clears the line', () => {
    const run = spawnSync(SCRIPT, ['-qec', `${process.execPath} ${LFK_BIN} scan --git`, '/dev/null'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1' },
    });
    captureLfkRun(['scan', '--git'], repo, run);
    expect(run.stdout).toMatch(/\rscanning history: \d+ commits?/);
    expect(run.stdout).toContain('\r\x1b[K');
    expect(run.stdout).toContain('1 key found');
  });

  it('draws nothing when stderr is not a terminal', () => {
    const run = spawnSync(process.execPath, [LFK_BIN, 'scan', '--git'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV },
    });
    captureLfkRun(['scan', '--git'], repo, run);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
  });
});
