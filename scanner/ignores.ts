// Findings people chose to ignore: `.lfkignore` fingerprints and a `--baseline` JSON report. Both
// match by fingerprint (rule and key), so they survive line moves; entries that match nothing any
// more are reported so the lists do not rot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from './repo.js';
import type { Finding } from './types.js';

export const IGNORE_FILE = '.lfkignore';

export interface IgnoreEntry {
  fingerprint: string;
  /** The `.lfkignore` or baseline file it came from, and its line in a `.lfkignore`. */
  source: string;
  line?: number;
}

/** `.lfkignore` at the repository root, or in `cwd` outside a repository. */
export function ignoreFileFor(cwd: string): string {
  return join(findRepoRoot(cwd) ?? cwd, IGNORE_FILE);
}

/** `shownAs` names the file in notes (relative to the current folder). */
export function readIgnoreFile(file: string, shownAs = file): IgnoreEntry[] {
  if (!existsSync(file)) return [];
  const entries: IgnoreEntry[] = [];
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const fingerprint = raw.replace(/#.*/, '').trim();
      if (fingerprint !== '') entries.push({ fingerprint, source: shownAs, line: index + 1 });
    });
  return entries;
}

/** The fingerprints of an earlier JSON report (`lfk scan --format json`). */
export function readBaseline(file: string): IgnoreEntry[] {
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `--baseline ${file}: cannot read it as a JSON report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  // `null` is valid JSON too: read it as "no findings array", not as a crash.
  const findings = (report as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(findings)) throw new Error(`--baseline ${file}: not an lfk JSON report (no "findings" array)`);
  return findings.flatMap((finding: unknown) => {
    const fingerprint = (finding as { fingerprint?: unknown } | null)?.fingerprint;
    return typeof fingerprint === 'string' ? [{ fingerprint, source: file }] : [];
  });
}

export interface IgnoreOutcome {
  kept: Finding[];
  ignored: number;
  /** Entries that matched no finding. */
  stale: IgnoreEntry[];
}

export function applyIgnores(findings: readonly Finding[], entries: readonly IgnoreEntry[]): IgnoreOutcome {
  const wanted = new Set(entries.map((entry) => entry.fingerprint));
  const used = new Set<string>();
  const kept = findings.filter((finding) => {
    if (!wanted.has(finding.fingerprint)) return true;
    used.add(finding.fingerprint);
    return false;
  });
  const stale = entries.filter((entry) => !used.has(entry.fingerprint));
  return { kept, ignored: findings.length - kept.length, stale };
}

/**
 * One note per ignore file for its entries that matched nothing. A scan of a few files leaves
 * most entries unmatched, so the note stays one line.
 */
export function staleNotes(stale: readonly IgnoreEntry[]): string[] {
  const bySource = new Map<string, IgnoreEntry[]>();
  for (const entry of stale) bySource.set(entry.source, [...(bySource.get(entry.source) ?? []), entry]);
  return [...bySource].map(([source, entries]) => {
    const shown = entries
      .slice(0, 5)
      .map((entry) => (entry.line === undefined ? entry.fingerprint : `line ${entry.line}`));
    const more = entries.length > shown.length ? `, and ${entries.length - shown.length} more` : '';
    return `${source}: ${entries.length} ${entries.length === 1 ? 'entry matches' : 'entries match'} no finding of this scan (${shown.join(', ')}${more})`;
  });
}
