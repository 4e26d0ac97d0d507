// What reading one source gave, counted in the stats the same way for every input: files, standard
// input, git and GitHub blobs, archive entries.
import type { ScanStats, Source, SourceOutcome } from './types.js';

export interface OutcomeInto {
  stats: ScanStats;
  warnings: string[];
}

/** Counts a source by what reading it gave, with a warning where one is due. */
export function addOutcome(
  result: OutcomeInto,
  source: Pick<Source, 'file'>,
  outcome: SourceOutcome,
  maxFileSize: number,
): void {
  if (outcome.kind === 'text' || outcome.kind === 'binary') {
    // Binary files are searched too (as ASCII bytes): they count as files, and `binary` says how many.
    result.stats.files++;
    result.stats.bytes += outcome.bytes ?? 0;
    if (outcome.kind === 'binary') result.stats.binary++;
  } else if (outcome.kind === 'too-large') {
    result.stats.skipped++;
    result.warnings.push(`${source.file}: ${outcome.size} bytes is over --max-file-size ${maxFileSize}, skipped`);
  } else if (outcome.kind === 'unreadable') {
    result.warnings.push(`${source.file}: cannot read (${outcome.reason}), skipped`);
  }
}
