// One scan from start to end: list the files, scan them here or on the worker pool, put the
// findings in a stable order.
import type { RuleSet } from '../rules/types.js';
import { scanFiles, type FilesResult } from './scan-files.js';
import { streamFragments, STDIN_FILE } from './sources/stdin-fragments.js';
import { listFiles } from './sources/walk.js';
import type { Detector } from './detect.js';
import { detectorFor } from './validators.js';
import { emptyStats, type Finding } from './types.js';

// Below this, starting worker threads costs more than it saves (each loads the rules and RE2).
const INLINE_MAX_BYTES = 16 << 20;
const INLINE_MAX_FILES = 2000;

export interface ScanOptions {
  cwd: string;
  ruleSet: RuleSet;
  reportInvalid: boolean;
  gitignore: boolean;
  /** Bytes; 0 means no limit. */
  maxFileSize: number;
  workers?: number;
  /** Files done and files in all, as the scan goes. */
  onProgress?: (done: number, total: number) => void;
}

export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<FilesResult> {
  const detector = detectorFor(options.ruleSet, { reportInvalid: options.reportInvalid });
  const walk = await listFiles(paths, {
    cwd: options.cwd,
    gitignore: options.gitignore,
    maxFileSize: options.maxFileSize,
    skipsPath: (file) => detector.skipsPath(file),
  });
  const bytes = walk.entries.reduce((sum, entry) => sum + entry.size, 0);
  const small = walk.entries.length <= INLINE_MAX_FILES && bytes <= INLINE_MAX_BYTES;
  // An explicit worker count is obeyed (tests use it to run the pool on a few files).
  const inline = options.workers === undefined ? small || walk.entries.length <= 1 : options.workers <= 1;
  const result = inline
    ? scanFiles(walk.entries, detector)
    : await (await import('./pool.js')).scanInWorkers(walk.entries, {
        ruleSet: options.ruleSet,
        reportInvalid: options.reportInvalid,
        ...(options.workers !== undefined && { workers: options.workers }),
        onProgress: (done) => options.onProgress?.(done, walk.entries.length),
      });
  result.warnings.unshift(...walk.warnings);
  result.stats.skipped += walk.skipped;
  result.findings.sort(byPosition);
  return result;
}

/** `lfk scan -`: standard input as one file named `-`. */
export async function scanStream(input: AsyncIterable<Buffer | string>, options: Pick<ScanOptions, 'ruleSet' | 'reportInvalid'>): Promise<FilesResult> {
  const detector: Detector = detectorFor(options.ruleSet, { reportInvalid: options.reportInvalid });
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const fragments = streamFragments(input, STDIN_FILE);
  let step = await fragments.next();
  while (!step.done) {
    result.findings.push(...detector.detect(step.value));
    step = await fragments.next();
  }
  if (step.value.kind === 'binary') {
    result.stats.binary++;
    result.warnings.push('standard input: binary data, not scanned');
  } else if (step.value.kind === 'text') {
    result.stats.files++;
    result.stats.bytes += step.value.bytes;
  }
  return result;
}

function byPosition(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}
