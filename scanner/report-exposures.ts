// Findings → one report to the key service: the step every input shares (`lfk scan --revoke` in
// every mode, pre-push included, and the GitHub App's push handler). It picks the keys to send (a
// valid checksum, a revocable rule, each once however often found), says where they were found,
// sends them all in one call (the transports cut it at the service's 1000-key limit), and writes
// each outcome back on the findings of its key.
import type { ExposureStatus } from '../platform/vocabulary.js';
import type { Finding, RevocationOutcome } from './types.js';

/** One report: what a transport sends in one call. */
export interface ExposureBatch {
  /** Each key once, in the order first found. */
  keys: string[];
  /** Where they were found: `file:line`, with the commit when known (bounded: an exposure is not a report). */
  location: string;
  /** The findings of those keys, in scan order. */
  findings: Finding[];
}

/** Sends a batch; one outcome per key, in order. */
export type SendExposures = (batch: ExposureBatch) => Promise<RevocationOutcome[]>;

/** Sets `revocation` on every sent finding ("failed" for all of them when sending fails); the outcome per key. */
export async function reportExposures(
  findings: readonly Finding[],
  revocable: ReadonlySet<string>,
  send: SendExposures,
): Promise<Map<string, RevocationOutcome>> {
  const keys = keysToSend(findings, revocable);
  const outcomes = new Map<string, RevocationOutcome>();
  if (keys.length === 0) return outcomes;
  const sent = new Set(keys);
  const found = findings.filter((finding) => sent.has(finding.secret));
  try {
    const results = await send({ keys, location: locationOf(found), findings: found });
    keys.forEach((key, index) => {
      outcomes.set(key, results[index] ?? 'failed');
    });
  } finally {
    for (const finding of found) finding.revocation = outcomes.get(finding.secret) ?? 'failed';
  }
  return outcomes;
}

/** The keys worth asking the key service about, each once. */
export function keysToSend(findings: readonly Finding[], revocable: ReadonlySet<string>): string[] {
  return [...new Set(findings.filter((f) => f.checksum === 'valid' && revocable.has(f.ruleId)).map((f) => f.secret))];
}

/** The key service's answer to a report, as a finding's outcome (a string it calls invalid it did not issue). */
export function revocationOf(status: ExposureStatus): RevocationOutcome {
  return status === 'invalid' ? 'unknown' : status;
}

function locationOf(findings: readonly Finding[]): string {
  const places = [
    ...new Set(findings.map((f) => `${f.file}:${f.line}${f.commit ? ` (${f.commit.commit.slice(0, 7)})` : ''}`)),
  ];
  const shown = places.slice(0, 20).join(', ');
  return places.length > 20 ? `${shown} and ${places.length - 20} more` : shown;
}
