// One scan from start to end: walk the paths, scan the files here or on the worker pool while the
// walk goes on, put the findings in a stable order.
import { lstatSync } from 'node:fs';
import type { RuleSet } from '../rules/types.js';
import type { ScanPool } from './pool.js';
import { createFinder, DEFAULT_DECODE_DEPTH } from './finder.js';
import { scanFiles, scanSource, type FilesResult } from './scan-files.js';
import type { FileEntry } from './sources/file-fragments.js';
import type { ArchiveOptions } from './unpack/scan-archive.js';
import { STDIN_FILE, streamSource } from './sources/stdin-fragments.js';
import { walkFiles } from './sources/walk.js';
import { emptyStats, type Finding } from './types.js';

// Below these, starting worker threads costs more than it saves (each loads the rules and RE2).
const INLINE_MAX_FILES = 256;
const INLINE_MAX_BYTES = 16 << 20;
const BATCH_FILES = 256;

export interface ScanOptions {
  cwd: string;
  ruleSet: RuleSet;
  reportInvalid: boolean;
  gitignore: boolean;
  /** Bytes; 0 means no limit. */
  maxFileSize: number;
  /** Compressed files and archives (scanner/unpack/); missing opens none. */
  archives?: ArchiveOptions;
  /**
   * Decodings in a chain at most (docs/scanner.md#encoded-text); 0 turns decoding off.
   * Default DEFAULT_DECODE_DEPTH.
   */
  maxDecodeDepth?: number;
  /** Worker threads; an explicit count is obeyed even for a few files (default: one per core). */
  workers?: number;
  /** Files done and files found so far, as the scan goes. */
  onProgress?: (done: number, found: number) => void;
}

export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<FilesResult> {
  const walkWarnings: string[] = [];
  const pending: FileEntry[] = [];
  let found = 0;
  let pool: ScanPool | undefined;
  const startPool = async () =>
    new (await import('./pool.js')).ScanPool({
      ruleSet: options.ruleSet,
      reportInvalid: options.reportInvalid,
      maxFileSize: options.maxFileSize,
      ...(options.archives && { archives: options.archives }),
      maxDecodeDepth: options.maxDecodeDepth ?? DEFAULT_DECODE_DEPTH,
      ...(options.workers !== undefined && { workers: options.workers }),
      onProgress: (done) => options.onProgress?.(done, found),
    });
  const forcePool = options.workers !== undefined && options.workers > 1;
  const flush = (into: ScanPool) => {
    for (let start = 0; start < pending.length; start += BATCH_FILES)
      into.push(pending.slice(start, start + BATCH_FILES));
    pending.length = 0;
  };
  try {
    for await (const batch of walkFiles(paths, { cwd: options.cwd, gitignore: options.gitignore }, walkWarnings)) {
      pending.push(...batch);
      found += batch.length;
      if (!pool && (forcePool || pending.length > INLINE_MAX_FILES)) pool = await startPool();
      if (pool && pending.length >= BATCH_FILES) {
        flush(pool);
        // Let finished workers report and take the next batch before walking on.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } catch (error) {
    // Workers keep the process alive: let them finish what they have before giving up.
    await pool?.finish();
    throw error;
  }
  if (!pool && options.workers === undefined && pending.length > 1 && totalSize(pending) > INLINE_MAX_BYTES)
    pool = await startPool();
  let result: FilesResult;
  if (pool) {
    flush(pool);
    result = await pool.finish();
  } else {
    result = await scanFiles(pending, createFinder(options.ruleSet, options), {
      maxFileSize: options.maxFileSize,
      ...(options.archives && { archives: options.archives }),
    });
  }
  result.warnings.unshift(...walkWarnings);
  result.findings.sort(byPosition);
  return result;
}

/** `lfk scan -`: standard input as one file named `-`. */
export async function scanStream(
  input: AsyncIterable<Buffer | string>,
  options: Pick<ScanOptions, 'ruleSet' | 'reportInvalid' | 'maxDecodeDepth' | 'archives'>,
): Promise<FilesResult> {
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const opensArchives = (options.archives?.maxArchiveDepth ?? 0) > 0;
  const read = { maxFileSize: 0, ...(options.archives && { archives: options.archives }) };
  await scanSource(
    streamSource(input, STDIN_FILE, { opensArchives }),
    createFinder(options.ruleSet, options),
    result,
    read,
  );
  return result;
}

/** Bytes in a short list of files (lstat is cheap for a few; the walk does not look at sizes). */
function totalSize(entries: readonly FileEntry[]): number {
  let total = 0;
  for (const entry of entries) {
    try {
      total += lstatSync(entry.path).size;
    } catch {
      // gone already: the reader will say so
    }
  }
  return total;
}

function byPosition(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}
