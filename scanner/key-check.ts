// `--verify` and `--revoke` over the key service's HTTP client. Which keys are sent, and how the
// answers land on the findings, is the shared step of report-exposures.ts.
import type { KeyServiceClient, VerifyStatus } from '../key-service/http-client.js';
import { keysToSend, reportExposures, revocationOf } from './report-exposures.js';
import type { Finding, KeyStatus, RevocationOutcome } from './types.js';

export async function verifyFindings(findings: readonly Finding[], client: KeyServiceClient, revocable: ReadonlySet<string>): Promise<void> {
  const keys = keysToSend(findings, revocable);
  if (keys.length === 0) return;
  const results = await client.verifyKeys(keys);
  const status = new Map(keys.map((key, index) => [key, toKeyStatus(results[index]!.status)]));
  for (const finding of findings) {
    const found = status.get(finding.secret);
    if (found) finding.status = found;
  }
}

/** One exposure report for every key found; sets `revocation` on the findings. */
/** `note` goes in front of the places (a pre-receive hook's `lfk.skip` reason, for the audit trail). */
export function revokeFindings(findings: readonly Finding[], client: KeyServiceClient, revocable: ReadonlySet<string>, note?: string): Promise<Map<string, RevocationOutcome>> {
  return reportExposures(findings, revocable, async ({ keys, location }) =>
    (await client.reportExposures(keys, { kind: 'scanner', location: boundedLocation(note ? `${note}; ${location}` : location) })).map((result) => revocationOf(result.status)),
  );
}

/** The key service takes a location of at most 1024 characters: long paths must not make the report fail. */
function boundedLocation(location: string): string {
  return location.length > 1024 ? `${location.slice(0, 1023)}…` : location;
}

function toKeyStatus(status: VerifyStatus): KeyStatus {
  return status === 'invalid' ? 'unknown' : status;
}
