// `--verify` and `--revoke` over the key service's HTTP client. Which keys are sent, and how the
// answers land on the findings, is the shared step of report-exposures.ts.
import type { KeyServiceClient } from '../key-service/http-client.js';
import { MAX_LOCATION_LENGTH } from '../platform/limits/fields.js';
import type { VerifyStatus } from '../platform/vocabulary.js';
import { keysToSend, reportExposures, revocationOf } from './report-exposures.js';
import type { Finding, FoundKeyStatus, RevocationOutcome } from './types.js';

export async function verifyFindings(
  findings: readonly Finding[],
  client: KeyServiceClient,
  revocable: ReadonlySet<string>,
): Promise<void> {
  const keys = keysToSend(findings, revocable);
  if (keys.length === 0) return;
  const results = await client.verifyKeys(keys);
  const status = new Map(keys.map((key, index) => [key, foundKeyStatus(results[index]!.status)]));
  for (const finding of findings) {
    const found = status.get(finding.secret);
    if (found) finding.status = found;
  }
}

/** One exposure report for every key found; sets `revocation` on the findings. */
/** `note` goes in front of the places (a pre-receive hook's `lfk.skip` reason, for the audit trail). */
export function revokeFindings(
  findings: readonly Finding[],
  client: KeyServiceClient,
  revocable: ReadonlySet<string>,
  note?: string,
): Promise<Map<string, RevocationOutcome>> {
  return reportExposures(findings, revocable, async ({ keys, location }) =>
    (
      await client.reportExposures(keys, {
        kind: 'scanner',
        location: boundedLocation(note ? `${note}; ${location}` : location),
      })
    ).map((result) => revocationOf(result.status)),
  );
}

/** The key service takes a location of at most MAX_LOCATION_LENGTH characters: long paths must not make the report fail. */
function boundedLocation(location: string): string {
  return location.length > MAX_LOCATION_LENGTH ? `${location.slice(0, MAX_LOCATION_LENGTH - 1)}…` : location;
}

function foundKeyStatus(status: VerifyStatus): FoundKeyStatus {
  return status === 'invalid' ? 'unknown' : status;
}
