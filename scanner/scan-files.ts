// Runs sources through the detector: the work one worker thread does with its share of files.
import type { Finder } from './finder.js';
import { fileFragments, type FileEntry, type ReadOptions } from './sources/file-fragments.js';
import { addOutcome } from './scan-outcome.js';
import { isOciLayoutMarker, scanArchive, scanArchiveStream } from './unpack/scan-archive.js';
import { emptyStats, type Finding, type ScanStats, type Source, type SourceOutcome } from './types.js';

export interface FilesResult {
  findings: Finding[];
  warnings: string[];
  stats: ScanStats;
}

export async function scanFiles(
  entries: readonly FileEntry[],
  finder: Finder,
  options: ReadOptions,
): Promise<FilesResult> {
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const skipped = finder.skipsPaths(entries.map((entry) => entry.file));
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    // Lock files and media formats (global path allowlists) are not even opened.
    if (skipped[index]) {
      if (entry.explicit)
        result.warnings.push(`${entry.file}: lock file or media format (a path allowlist), not scanned`);
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
    else addOutcome(result, entry, step.value, options.maxFileSize);
  }
  return result;
}

/** Scans one source into `result`; returns what it read (the push check run names what was not scanned). */
export async function scanSource(
  source: Source,
  finder: Finder,
  result: FilesResult,
  options: ReadOptions,
): Promise<SourceOutcome> {
  const fragments = source.fragments();
  let step = await fragments.next();
  while (!step.done) {
    result.findings.push(...finder.findings(step.value, result.warnings));
    step = await fragments.next();
  }
  // A stream that is an archive (standard input, a git or GitHub blob) hands its bytes on.
  if (step.value.kind === 'archive' && step.value.stream)
    await scanArchiveStream(source.file, step.value.stream, finder, options, result);
  else addOutcome(result, source, step.value, options.maxFileSize);
  return step.value;
}
