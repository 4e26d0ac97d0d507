// A build of another commit, for benches that compare it with dist/ in the same run: a detached git
// worktree of REF under /tmp, with this checkout's node_modules symlinked in and `node
// scripts/build.mjs` run there. remove() takes the worktree away again.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Worktree {
  ref: string;
  /** The commit REF names, abbreviated. */
  commit: string;
  dir: string;
  remove(): void;
}

function run(command: string, args: string[], cwd: string, quiet = false): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr ?? ''}`);
  return result.stdout.trim();
}

export function buildWorktree(root: string, ref: string): Worktree {
  const commit = run('git', ['rev-parse', '--short', `${ref}^{commit}`], root);
  const dir = join('/tmp', `lfk-bench-${ref.replace(/[^\w.-]/g, '_')}`);
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: root, stdio: 'ignore' });
  };
  // A worktree left behind by an interrupted run.
  if (existsSync(dir)) remove();
  run('git', ['worktree', 'add', '--detach', dir, commit], root, true);
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    run(process.execPath, ['scripts/build.mjs'], dir);
    if (!existsSync(join(dir, 'dist', 'cli', 'main.js'))) throw new Error(`${ref}: the build made no dist/cli/main.js`);
  } catch (error) {
    remove();
    throw error;
  }
  return { ref, commit, dir, remove };
}
