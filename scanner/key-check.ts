// `--verify` and `--revoke`: ask the key service about the keys found. Only keys with a valid
// checksum from revocable rules are sent, each once however often it was found.
import type { ExposureStatus, KeyServiceClient, VerifyStatus } from '../key-service/http-client.js';
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

/** Sets `revocation` on every sent finding ("failed" for all of them when the service fails). */
export async function revokeFindings(findings: readonly Finding[], client: KeyServiceClient, revocable: ReadonlySet<string>): Promise<Map<string, RevocationOutcome>> {
  const keys = keysToSend(findings, revocable);
  const outcome = new Map<string, RevocationOutcome>();
  if (keys.length === 0) return outcome;
  const sent = new Set(keys);
  const mark = () => {
    for (const finding of findings) if (sent.has(finding.secret)) finding.revocation = outcome.get(finding.secret) ?? 'failed';
  };
  try {
    const results = await client.reportExposures(keys, { kind: 'scanner', location: locations(findings, sent) });
    keys.forEach((key, index) => outcome.set(key, toRevocation(results[index]!.status)));
  } finally {
    mark();
  }
  return outcome;
}

function keysToSend(findings: readonly Finding[], revocable: ReadonlySet<string>): string[] {
  return [...new Set(findings.filter((f) => f.checksum === 'valid' && revocable.has(f.ruleId)).map((f) => f.secret))];
}

function toKeyStatus(status: VerifyStatus): KeyStatus {
  return status === 'invalid' ? 'unknown' : status;
}

function toRevocation(status: ExposureStatus): RevocationOutcome {
  return status === 'invalid' ? 'unknown' : status;
}

/** Where the keys were found, for the key's audit trail (bounded: an exposure is not a report). */
function locations(findings: readonly Finding[], sent: ReadonlySet<string>): string {
  const places = [...new Set(findings.filter((f) => sent.has(f.secret)).map((f) => `${f.file}:${f.line}`))];
  const shown = places.slice(0, 20).join(', ');
  return places.length > 20 ? `${shown} and ${places.length - 20} more` : shown;
}
