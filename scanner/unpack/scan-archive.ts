// Where the file scan meets the unpacking walk: the leaves of a compressed file or archive go
// through the same text path as files (sniff.ts decides text or binary from their first 8000
// bytes, FragmentSplitter cuts streamed text into overlapping fragments), with `file` set to the
// `!` path, so line and column count inside the innermost entry.
import { basename, dirname } from 'node:path';
import type { Finder } from '../finder.js';
import type { FilesResult } from '../scan-files.js';
import { FragmentSplitter, type FileEntry, type ReadOptions } from '../sources/file-fragments.js';
import { SNIFF_BYTES, sniffEncoding } from '../sources/sniff.js';
import type { Finding } from '../types.js';
import { unpack, unpackImageFolder, type UnpackedEntry, type UnpackLimits } from './unpack.js';

export const OCI_LAYOUT_FILE = 'oci-layout';

/** An OCI image layout's marker file: its folder is scanned as one image. */
export function isOciLayoutMarker(path: string): boolean {
  return basename(path) === OCI_LAYOUT_FILE;
}

/** The limits the CLI sets; the rest keep the SPEC's defaults. */
export interface ArchiveOptions {
  /** 0 opens no archive (they are then binary files, as before). */
  maxArchiveDepth: number;
  maxArchiveBytes: number;
}

export async function scanArchive(entry: FileEntry, finder: Finder, options: ReadOptions, result: FilesResult): Promise<void> {
  const limits: Partial<UnpackLimits> = { maxDepth: options.archives?.maxArchiveDepth ?? 0, maxBytes: options.archives?.maxArchiveBytes ?? Infinity };
  const leaves = isOciLayoutMarker(entry.path)
    ? unpackImageFolder(dirname(entry.path), folderDisplay(entry.file), limits, result.warnings)
    : unpack({ path: entry.path, file: entry.file }, limits, result.warnings);
  // Whether a later image layer deleted a file is known only once every layer has been read.
  const inLayers: Array<{ finding: Finding; leaf: UnpackedEntry }> = [];
  for await (const leaf of leaves) {
    const found = await scanLeaf(leaf, finder, options, result);
    if (leaf.deletedInLayer) for (const finding of found) inLayers.push({ finding, leaf });
  }
  for (const { finding, leaf } of inLayers) if (leaf.deletedInLayer?.()) finding.deletedInLayer = true;
}

async function scanLeaf(leaf: UnpackedEntry, finder: Finder, options: ReadOptions, result: FilesResult): Promise<Finding[]> {
  // The size an archive claims is not trusted either way: a leaf is read, and cut at the limit.
  const limit = options.maxFileSize;
  const chunks = leaf.chunks[Symbol.asyncIterator]();
  const found: Finding[] = [];
  try {
    // The first 8000 bytes say text or binary, as for a file.
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const step = await chunks.next();
      if (step.done) {
        ended = true;
        break;
      }
      head.push(step.value);
      headBytes += step.value.length;
    }
    const first = Buffer.concat(head);
    const encoding = sniffEncoding(first);
    if (encoding === 'binary') {
      result.stats.binary++;
      return found;
    }
    const splitter = new FragmentSplitter(encoding, leaf.path);
    const push = (bytes: Buffer | null) => {
      const fragment = splitter.push(bytes);
      if (fragment) for (const finding of finder.findings(fragment, result.warnings)) found.push(finding);
    };
    let bytes = first.length;
    push(first);
    while (!ended) {
      const step = await chunks.next();
      if (step.done) break;
      bytes += step.value.length;
      if (limit > 0 && bytes > limit) {
        result.warnings.push(`${leaf.path}: over --max-file-size ${limit} bytes; the rest is not scanned`);
        break;
      }
      push(step.value);
    }
    push(null);
    result.stats.files++;
    result.stats.bytes += bytes;
    return found;
  } finally {
    await chunks.return?.();
    result.findings.push(...found);
  }
}

function folderDisplay(file: string): string {
  const folder = file.slice(0, -OCI_LAYOUT_FILE.length).replace(/\/$/, '');
  return folder === '' ? '.' : folder;
}
