// Scans a list of files in this thread: the work one worker thread does with its share.
import type { Detector } from './detect.js';
import { fileFragments, type FileEntry, type FileOutcome, type ReadOptions } from './sources/file-fragments.js';
import { emptyStats, type Finding, type ScanStats } from './types.js';

export interface FilesResult {
  findings: Finding[];
  warnings: string[];
  stats: ScanStats;
}

export function scanFiles(entries: readonly FileEntry[], detector: Detector, options: ReadOptions): FilesResult {
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  for (const entry of entries) {
    // Lock files and binary formats (global path allowlists) are not even opened.
    if (detector.skipsPath(entry.file)) {
      if (entry.explicit) result.warnings.push(`${entry.file}: lock file or binary format (a path allowlist), not scanned`);
      continue;
    }
    const fragments = fileFragments(entry, detector, options);
    let step = fragments.next();
    while (!step.done) {
      result.findings.push(...detector.detect(step.value));
      step = fragments.next();
    }
    addOutcome(result, entry, step.value, options);
  }
  return result;
}

/** Counts a file in the stats by what reading it gave, with a warning where one is due. */
export function addOutcome(result: FilesResult, entry: Pick<FileEntry, 'file' | 'explicit'>, outcome: FileOutcome, options: ReadOptions): void {
  if (outcome.kind === 'text') {
    result.stats.files++;
    result.stats.bytes += outcome.bytes;
  } else if (outcome.kind === 'binary') {
    result.stats.binary++;
    // Binary files met in a walk are counted; one named on the command line deserves a word.
    if (entry.explicit) result.warnings.push(`${entry.file}: binary file, not scanned`);
  } else if (outcome.kind === 'too-large') {
    result.stats.skipped++;
    result.warnings.push(`${entry.file}: ${outcome.size} bytes is over --max-file-size ${options.maxFileSize}, skipped`);
  } else {
    result.warnings.push(`${entry.file}: cannot read (${outcome.reason}), skipped`);
  }
}
