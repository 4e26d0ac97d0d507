// Runs sources through the detector: the work one worker thread does with its share of files.
import type { Finder } from './finder.js';
import { fileFragments, type FileEntry, type ReadOptions } from './sources/file-fragments.js';
import { isOciLayoutMarker, scanArchive } from './unpack/scan-archive.js';
import { emptyStats, type Finding, type ScanStats, type Source, type SourceOutcome } from './types.js';

export interface FilesResult {
  findings: Finding[];
  warnings: string[];
  stats: ScanStats;
}

export async function scanFiles(entries: readonly FileEntry[], finder: Finder, options: ReadOptions): Promise<FilesResult> {
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const skipped = finder.skipsPaths(entries.map((entry) => entry.file));
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    // Lock files and binary formats (global path allowlists) are not even opened.
    if (skipped[index]) {
      if (entry.explicit) result.warnings.push(`${entry.file}: lock file or binary format (a path allowlist), not scanned`);
      continue;
    }
    if (options.archives && options.archives.maxArchiveDepth > 0 && isOciLayoutMarker(entry.path)) {
      await scanArchive(entry, finder, options, result);
      continue;
    }
    // Files are read synchronously: no promise per file, only per batch.
    const fragments = fileFragments(entry, finder, options);
    let step = fragments.next();
    for (; !step.done; step = fragments.next()) result.findings.push(...finder.findings(step.value, result.warnings));
    // Compressed files and archives: their leaves take the same text path (the libraries load when met).
    if (step.value.kind === 'archive') await scanArchive(entry, finder, options, result);
    else addOutcome(result, entry, step.value, options);
  }
  return result;
}

/** Scans one source into `result`; returns what it read (the push check run names what was not scanned). */
export async function scanSource(source: Source, finder: Finder, result: FilesResult, options: ReadOptions): Promise<SourceOutcome> {
  const fragments = source.fragments();
  let step = await fragments.next();
  while (!step.done) {
    result.findings.push(...finder.findings(step.value, result.warnings));
    step = await fragments.next();
  }
  addOutcome(result, source, step.value, options);
  return step.value;
}

/** Counts a source in the stats by what reading it gave, with a warning where one is due. */
function addOutcome(result: FilesResult, source: Pick<Source, 'file' | 'explicit'>, outcome: SourceOutcome, options: ReadOptions): void {
  if (outcome.kind === 'text') {
    result.stats.files++;
    result.stats.bytes += outcome.bytes;
  } else if (outcome.kind === 'binary') {
    result.stats.binary++;
    // Binary files met in a walk are counted; one named on the command line deserves a word.
    if (source.explicit) result.warnings.push(`${source.file}: binary file, not scanned`);
  } else if (outcome.kind === 'too-large') {
    result.stats.skipped++;
    result.warnings.push(`${source.file}: ${outcome.size} bytes is over --max-file-size ${options.maxFileSize}, skipped`);
  } else if (outcome.kind === 'unreadable') {
    result.warnings.push(`${source.file}: cannot read (${outcome.reason}), skipped`);
  }
}
