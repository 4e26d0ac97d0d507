// Turns PATH arguments into the list of files to scan: fast-glob walks folders without following
// symbolic links, skips `.git`, honours .gitignore inside a git work tree (git itself says what is
// ignored, so nested .gitignore files, negations and excludesFile all count), and prunes ignored
// folders before reading them.
import { lstatSync, readdir, type Dirent, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { displayPath, findRepoRoot } from '../repo.js';
import type { FileEntry } from './file-fragments.js';

export interface WalkOptions {
  cwd: string;
  gitignore: boolean;
  /** Bytes; 0 means no limit. */
  maxFileSize: number;
  /** Files a global path allowlist covers (lock files, binary formats). */
  skipsPath(file: string): boolean;
  /** Replaces fs.readdir (tests use it to make a folder unreadable, which root cannot). */
  readdir?: typeof readdir;
}

export interface WalkResult {
  entries: FileEntry[];
  warnings: string[];
  /** Files over maxFileSize. */
  skipped: number;
}

/** Thrown for a PATH argument that does not exist: a fatal error (exit 2), not a warning. */
export class MissingPathError extends Error {
  override name = 'MissingPathError';
}

export async function listFiles(paths: readonly string[], options: WalkOptions): Promise<WalkResult> {
  const result: WalkResult = { entries: [], warnings: [], skipped: 0 };
  const targets = paths.map((path) => {
    const absolute = resolve(options.cwd, path);
    try {
      return { path, absolute, stats: lstatSync(absolute) };
    } catch (error) {
      throw new MissingPathError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(error)}`);
    }
  });
  for (const { path, absolute, stats } of targets) {
    if (stats.isDirectory()) await walkFolder(absolute, options, result);
    else if (stats.isSymbolicLink()) result.warnings.push(`${path}: symbolic link, not followed`);
    else addFile(absolute, stats, true, options, result);
  }
  return result;
}

function addFile(absolute: string, stats: Stats, explicit: boolean, options: WalkOptions, result: WalkResult): void {
  const file = displayPath(absolute, options.cwd);
  if (!stats.isFile()) {
    result.warnings.push(`${file}: not a regular file (${kindOf(stats)}), skipped`);
    return;
  }
  if (options.skipsPath(file)) return;
  if (options.maxFileSize > 0 && stats.size > options.maxFileSize) {
    result.warnings.push(`${file}: ${stats.size} bytes is over --max-file-size ${options.maxFileSize}, skipped`);
    result.skipped++;
    return;
  }
  result.entries.push({ path: absolute, file, size: stats.size, ...(explicit && { explicit }) });
}

async function walkFolder(folder: string, options: WalkOptions, result: WalkResult): Promise<void> {
  const { default: fg } = await import('fast-glob');
  const ignore = ['**/.git', '**/.git/**'];
  if (options.gitignore) ignore.push(...(await gitIgnored(folder)));
  const read = options.readdir ?? readdir;
  // An unreadable folder is a warning and the walk goes on (fast-glob would otherwise fail whole).
  // fast-glob calls readdir(path, callback) or readdir(path, options, callback).
  const tolerantReaddir = ((path: string, ...rest: unknown[]) => {
    const callback = rest.pop() as (error: NodeJS.ErrnoException | null, entries: Dirent[]) => void;
    (read as (...args: unknown[]) => void)(path, ...rest, (error: NodeJS.ErrnoException | null, entries: Dirent[]) => {
      if (error && error.code !== 'ENOENT') {
        result.warnings.push(`${displayPath(path, options.cwd)}: cannot read folder (${error.code ?? error.message}), skipped`);
        callback(null, []);
      } else callback(error, entries);
    });
  }) as unknown as typeof readdir;
  const found = await fg('**', {
    cwd: folder,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    stats: true,
    ignore,
    fs: { readdir: tolerantReaddir },
  });
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of found) {
    // Folders are walked, symbolic links are not followed (SPEC §3.4).
    if (!entry.stats || entry.stats.isDirectory() || entry.stats.isSymbolicLink()) continue;
    addFile(join(folder, entry.path), entry.stats, false, options, result);
  }
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

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return 'special file';
}
