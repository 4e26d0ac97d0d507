// Turns PATH arguments into the list of files to scan: walks folders without following symbolic
// links, skips `.git`, honours .gitignore inside a git work tree (git itself says what is ignored,
// so nested .gitignore files, negations and excludesFile all count), and prunes ignored folders
// before reading them.
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { displayPath, findRepoRoot } from '../repo.js';
import type { FileEntry } from './file-fragments.js';

const WALK_BATCH = 256;

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
export async function* walkFiles(
  paths: readonly string[],
  options: WalkOptions,
  warnings: string[],
): AsyncGenerator<FileEntry[]> {
  const targets = paths.map((path) => {
    const absolute = resolve(options.cwd, path);
    try {
      return { path, absolute, stats: lstatSync(absolute) };
    } catch (error) {
      throw new MissingPathError(
        `${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(error)}`,
      );
    }
  });
  for (const { path, absolute, stats } of targets) {
    if (stats.isDirectory()) yield* walkFolder(absolute, options, warnings);
    else if (stats.isSymbolicLink()) warnings.push(`${path}: symbolic link, not followed`);
    else if (!stats.isFile())
      warnings.push(`${displayPath(absolute, options.cwd)}: not a regular file (${kindOf(stats)}), skipped`);
    else yield [{ path: absolute, file: displayPath(absolute, options.cwd), explicit: true }];
  }
}

// Sizes are not looked at here: the reader checks them on the open file (an lstat per file made
// the walk several times slower on big trees). A plain readdir loop costs about half the CPU of
// fast-glob's walk (no pattern matching per entry), and it yields batches as it goes so the
// workers scan meanwhile.
async function* walkFolder(folder: string, options: WalkOptions, warnings: string[]): AsyncGenerator<FileEntry[]> {
  const ignored = options.gitignore ? await gitIgnored(folder) : undefined;
  const read = options.readdirSync ?? readdirSync;
  // Display paths are the folder's display path joined to the walk's relative ones, without a
  // path.relative per file.
  const base = displayPath(folder, options.cwd);
  const prefix = base === '.' ? '' : `${base}/`;
  // Relative `/`-separated folder paths still to read ('' is the folder itself).
  const pending = [''];
  let batch: FileEntry[] = [];
  for (let relFolder = pending.pop(); relFolder !== undefined; relFolder = pending.pop()) {
    const absolute = relFolder === '' ? folder : `${folder}${sep}${relFolder}`;
    let entries: Dirent[];
    try {
      entries = read(absolute, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The folder itself vanishing is the caller's business; a sub-folder is a warning.
      if (relFolder === '' && code === 'ENOENT') throw error;
      warnings.push(`${prefix + relFolder || '.'}: cannot read folder (${code ?? (error as Error).message}), skipped`);
      continue;
    }
    const relBase = relFolder === '' ? '' : `${relFolder}/`;
    // An OCI image layout is one image (scanner/unpack/): its marker file stands for the folder.
    if (isOciImageLayout(entries)) {
      if (!ignored?.files.has(`${relBase}oci-layout`))
        batch.push({ path: `${absolute}${sep}oci-layout`, file: `${prefix}${relBase}oci-layout` });
      continue;
    }
    for (const entry of entries) {
      // `.git` folders (and the `.git` files of worktrees and submodules) are never scanned.
      if (entry.name === '.git') continue;
      const rel = relBase + entry.name;
      // Folders are walked, symbolic links are not followed (docs/scanner.md#ignoring).
      if (entry.isDirectory()) {
        if (!ignored?.folders.has(rel)) pending.push(rel);
      } else if (entry.isFile()) {
        if (!ignored?.files.has(rel)) batch.push({ path: `${absolute}${sep}${entry.name}`, file: prefix + rel });
      } else if (!entry.isSymbolicLink() && !ignored?.files.has(rel)) {
        warnings.push(`${prefix + rel}: not a regular file (${kindOf(entry)}), skipped`);
      }
    }
    if (batch.length >= WALK_BATCH) {
      yield batch;
      batch = [];
    }
  }
  yield batch;
}

/** `oci-layout` and `index.json` files and a `blobs` folder, as the OCI image-layout spec lays them out. */
function isOciImageLayout(entries: readonly Dirent[]): boolean {
  let marks = 0;
  for (const entry of entries) {
    if ((entry.name === 'oci-layout' || entry.name === 'index.json') && entry.isFile()) marks++;
    else if (entry.name === 'blobs' && entry.isDirectory()) marks++;
  }
  return marks === 3;
}

interface Ignored {
  files: Set<string>;
  folders: Set<string>;
}

/** What git ignores under `folder`, as paths relative to it (an ignored folder is listed whole). */
async function gitIgnored(folder: string): Promise<Ignored | undefined> {
  const root = findRepoRoot(folder);
  if (!root) return undefined;
  const { runGitSync } = await import('./git-command.js');
  const listed = runGitSync(root, [
    'ls-files',
    '-z',
    '--others',
    '--ignored',
    '--exclude-standard',
    '--directory',
    '--',
    relative(root, folder) || '.',
  ]);
  if (listed.status !== 0) return undefined;
  const ignored: Ignored = { files: new Set(), folders: new Set() };
  for (const path of listed.stdout.split('\0')) {
    if (path === '') continue;
    const rel = relative(folder, join(root, path)).split(sep).join('/');
    // The folder itself, or one above it, ignored: a folder named on the command line is scanned.
    if (rel === '' || rel.startsWith('..')) continue;
    (path.endsWith('/') ? ignored.folders : ignored.files).add(rel);
  }
  return ignored;
}

function kindOf(stats: Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string {
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return 'special file';
}
