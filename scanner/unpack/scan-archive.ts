// Where the file scan meets the unpacking walk: the leaves of a compressed file or archive go
// through the same path as any stream (stdin-fragments.ts: the first 8000 bytes say text or binary,
// FragmentSplitter cuts them into overlapping fragments), with `file` set to the `!` path, so line
// and column count inside the innermost entry.
import { basename, dirname } from 'node:path';
import type { Finder } from '../finder.js';
import type { FilesResult } from '../scan-files.js';
import { addOutcome } from '../scan-outcome.js';
import type { FileEntry, FragmentTags, ReadOptions } from '../sources/file-fragments.js';
import { streamFragments } from '../sources/stdin-fragments.js';
import type { ArchiveStream, Finding } from '../types.js';
import { unpack, unpackImageFolder, unpackStream, type UnpackedEntry, type UnpackLimits } from './unpack.js';

export const OCI_LAYOUT_FILE = 'oci-layout';

/** An OCI image layout's marker file: its folder is scanned as one image. */
export function isOciLayoutMarker(path: string): boolean {
  // Asked of every file: a suffix test, no path parsing.
  return path.endsWith(OCI_LAYOUT_FILE) && basename(path) === OCI_LAYOUT_FILE;
}

/** The limits the CLI sets; the rest keep their defaults (docs/scanner.md#limits-and-warnings). */
export interface ArchiveOptions {
  /** 0 opens no archive (they are then binary files, as before). */
  maxArchiveDepth: number;
  maxArchiveBytes: number;
}

/** The documented defaults: `--max-archive-depth 4`, `--max-archive-bytes` 1 GiB. */
export const DEFAULT_ARCHIVE_OPTIONS: ArchiveOptions = { maxArchiveDepth: 4, maxArchiveBytes: 1024 ** 3 };

export async function scanArchive(
  entry: FileEntry,
  finder: Finder,
  options: ReadOptions,
  result: FilesResult,
): Promise<void> {
  const leaves = isOciLayoutMarker(entry.path)
    ? unpackImageFolder(dirname(entry.path), folderDisplay(entry.file), limitsOf(options), result.warnings)
    : unpack({ path: entry.path, file: entry.file }, limitsOf(options), result.warnings);
  await scanLeaves(leaves, entry.file, finder, options, result, {});
}

/** A compressed file or archive read as a stream (standard input, a git or GitHub blob). */
export async function scanArchiveStream(
  file: string,
  stream: ArchiveStream,
  finder: Finder,
  options: ReadOptions,
  result: FilesResult,
): Promise<void> {
  const tags: FragmentTags = stream.commit ? { commit: stream.commit } : {};
  await scanLeaves(
    unpackStream(stream.chunks, file, limitsOf(options), result.warnings),
    file,
    finder,
    options,
    result,
    tags,
  );
}

function limitsOf(options: ReadOptions): Partial<UnpackLimits> {
  return { maxDepth: options.archives?.maxArchiveDepth ?? 0, maxBytes: options.archives?.maxArchiveBytes ?? Infinity };
}

async function scanLeaves(
  leaves: AsyncIterable<UnpackedEntry>,
  archive: string,
  finder: Finder,
  options: ReadOptions,
  result: FilesResult,
  tags: FragmentTags,
): Promise<void> {
  // Whether a later image layer deleted a file is known only once every layer has been read.
  const inLayers: Array<{ finding: Finding; leaf: UnpackedEntry }> = [];
  for await (const leaf of leaves) {
    const found = await scanLeaf(leaf, finder, options, result, tags);
    for (const finding of found) finding.archive = archive;
    if (leaf.deletedInLayer) for (const finding of found) inLayers.push({ finding, leaf });
  }
  for (const { finding, leaf } of inLayers) if (leaf.deletedInLayer?.()) finding.deletedInLayer = true;
}

/** A leaf is read as a stream is: text or binary by its first bytes, cut at --max-file-size (the size an archive claims is not trusted). */
async function scanLeaf(
  leaf: UnpackedEntry,
  finder: Finder,
  options: ReadOptions,
  result: FilesResult,
  tags: FragmentTags,
): Promise<Finding[]> {
  const found: Finding[] = [];
  const fragments = streamFragments(leaf.chunks, leaf.path, {
    maxBytes: options.maxFileSize,
    onWarning: (message) => result.warnings.push(message),
    tags,
  });
  try {
    let step = await fragments.next();
    for (; !step.done; step = await fragments.next()) found.push(...finder.findings(step.value, result.warnings));
    addOutcome(result, { file: leaf.path }, step.value, options.maxFileSize);
    return found;
  } finally {
    await fragments.return?.(undefined as never);
    result.findings.push(...found);
  }
}

function folderDisplay(file: string): string {
  const folder = file.slice(0, -OCI_LAYOUT_FILE.length).replace(/\/$/, '');
  return folder === '' ? '.' : folder;
}
