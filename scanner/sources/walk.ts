// Turns PATH arguments into the list of files to scan: fast-glob walks folders without following
// symbolic links, skips `.git`, honours .gitignore inside a git work tree (git itself says what is
// ignored, so nested .gitignore files, negations and excludesFile all count), and prunes ignored
// folders before reading them.
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { displayPath, findRepoRoot } from '../repo.js';
import type { FileEntry } from './file-fragments.js';

const WALK_BATCH = 256;
const MAX_SEPARATE_WALKS = 32;

export interface WalkOptions {
  cwd: string;
  gitignore: boolean;
  /** Replaces fs.readdirSync (tests use it to make a folder unreadable, which root cannot). */
  readdirSync?: typeof readdirSync;
}

/** Thrown for a PATH argument that does not exist: a fatal error (exit 2), not a warning. */
export class MissingPathError extends Error {
  override name = 'MissingPathError';
}

/**
 * The files under `paths`, in batches as the walk finds them (so scanning can start before it
 * ends). Every path is checked first: a missing one throws before anything is yielded.
 */
export async function* walkFiles(paths: readonly string[], options: WalkOptions, warnings: string[]): AsyncGenerator<FileEntry[]> {
  const targets = paths.map((path) => {
    const absolute = resolve(options.cwd, path);
    try {
      return { path, absolute, stats: lstatSync(absolute) };
    } catch (error) {
      throw new MissingPathError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(error)}`);
    }
  });
  for (const { path, absolute, stats } of targets) {
    if (stats.isDirectory()) yield* walkFolder(absolute, options, warnings);
    else if (stats.isSymbolicLink()) warnings.push(`${path}: symbolic link, not followed`);
    else if (!stats.isFile()) warnings.push(`${displayPath(absolute, options.cwd)}: not a regular file (${kindOf(stats)}), skipped`);
    else yield [{ path: absolute, file: displayPath(absolute, options.cwd), explicit: true }];
  }
}

// Sizes are not looked at here: the reader checks them on the open file (an lstat per file made
// the walk several times slower on big trees). fast-glob's synchronous walk costs about half the
// CPU of its streaming one, and the workers scan meanwhile, so it is the cheaper choice.
async function* walkFolder(folder: string, options: WalkOptions, warnings: string[]): AsyncGenerator<FileEntry[]> {
  const { default: fg } = await import('fast-glob');
  // A matched folder is not descended into, so this also skips everything under .git.
  const ignore = ['**/.git'];
  if (options.gitignore) ignore.push(...(await gitIgnored(folder)));
  const read = options.readdirSync ?? readdirSync;
  // An unreadable folder is a warning and the walk goes on (fast-glob would otherwise fail whole).
  const tolerantReaddirSync = ((path: string, ...rest: unknown[]) => {
    try {
      return (read as (...args: unknown[]) => Dirent[])(path, ...rest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw error;
      warnings.push(`${displayPath(path, options.cwd)}: cannot read folder (${code ?? (error as Error).message}), skipped`);
      return [];
    }
  }) as typeof readdirSync;
  // Display paths are the folder's display path joined to fast-glob's relative ones, without a
  // path.relative per file.
  const base = displayPath(folder, options.cwd);
  const prefix = base === '.' ? '' : `${base}/`;
  const walk = (pattern: string, deep?: number) =>
    fg.sync(pattern, {
      cwd: folder,
      dot: true,
      onlyFiles: false,
      followSymbolicLinks: false,
      objectMode: true,
      // One pattern, no duplicates to remove: skipping fast-glob's dedupe index saves a map entry per file.
      unique: false,
      ignore,
      fs: { readdirSync: tolerantReaddirSync },
      ...(deep !== undefined && { deep }),
    });
  // The top level first, then one sub-folder at a time, so the first files reach the workers early.
  // fast-glob costs a fixed setup per run, so a wide top level is walked in one run instead.
  const top = walk('*', 1);
  const subfolders = top.filter((entry) => entry.dirent.isDirectory() && !entry.dirent.isSymbolicLink()).map((entry) => entry.path);
  const runs: Array<() => ReturnType<typeof walk>> =
    subfolders.length <= MAX_SEPARATE_WALKS ? [() => top, ...subfolders.map((subfolder) => () => walk(`${escapeGlob(subfolder)}/**`))] : [() => walk('**')];
  let batch: FileEntry[] = [];
  for (const run of runs) {
    for (const { dirent, path } of run()) {
      // Folders are walked, symbolic links are not followed (SPEC §3.4).
      if (dirent.isSymbolicLink() || dirent.isDirectory()) continue;
      if (!dirent.isFile()) warnings.push(`${prefix + path}: not a regular file (${kindOf(dirent)}), skipped`);
      // fast-glob paths are relative and `/`-separated: concatenation is path.join without its cost.
      else batch.push({ path: `${folder}${sep}${path}`, file: prefix + path });
    }
    if (batch.length >= WALK_BATCH) {
      yield batch;
      batch = [];
    }
  }
  yield batch;
}

/** fast-glob ignore patterns (relative to `folder`) for what git ignores under it. */
async function gitIgnored(folder: string): Promise<string[]> {
  const root = findRepoRoot(folder);
  if (!root) return [];
  const { spawnSync } = await import('node:child_process');
  const listed = spawnSync('git', ['-C', root, 'ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory', '--', relative(root, folder) || '.'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (listed.status !== 0) return [];
  const patterns: string[] = [];
  for (const path of listed.stdout.split('\0')) {
    if (path === '') continue;
    const rel = relative(folder, join(root, path));
    // The folder itself, or one above it, ignored: a folder named on the command line is scanned.
    if (rel === '' || rel.startsWith('..')) continue;
    const escaped = escapeGlob(rel.split('\\').join('/'));
    patterns.push(path.endsWith('/') ? `${escaped}/**` : escaped);
    if (path.endsWith('/')) patterns.push(escaped);
  }
  return patterns;
}

function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!@+\\]/g, '\\$&');
}

function kindOf(stats: Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string {
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return 'special file';
}
