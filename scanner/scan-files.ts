// Scans a list of files in this thread: the work one worker thread does with its share.
import type { Detector } from './detect.js';
import { fileFragments, type FileEntry } from './sources/file-fragments.js';
import { emptyStats, type Finding, type ScanStats } from './types.js';

export interface FilesResult {
  findings: Finding[];
  warnings: string[];
  stats: ScanStats;
}

export function scanFiles(entries: readonly FileEntry[], detector: Detector): FilesResult {
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  for (const entry of entries) {
    const fragments = fileFragments(entry, detector);
    let step = fragments.next();
    while (!step.done) {
      result.findings.push(...detector.detect(step.value));
      step = fragments.next();
    }
    const outcome = step.value;
    if (outcome.kind === 'text') {
      result.stats.files++;
      result.stats.bytes += outcome.bytes;
    } else if (outcome.kind === 'binary') {
      result.stats.binary++;
      // Binary files met in a walk are counted; one named on the command line deserves a word.
      if (entry.explicit) result.warnings.push(`${entry.file}: binary file, not scanned`);
    } else {
      result.warnings.push(`${entry.file}: cannot read (${outcome.reason}), skipped`);
    }
  }
  return result;
}
