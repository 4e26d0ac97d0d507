// The shapes stored in `webhook_deliveries.payload`, per provider.
import type { FoundKey } from './redact-payload.js';

/** A partner-program batch: only the well-formed lfk keys, by hash (the rest need no work). */
export interface PartnerDelivery {
  matches: Array<{ sha256: string; display: string; type: string; url: string; source: string }>;
}

/** A GitHub App or GitGuardian delivery: the redacted body, and the keys that were in it. */
export interface EventDelivery<Body = unknown> {
  keys: FoundKey[];
  body: Body;
}

/** `{"keys":[…],"body":<redacted raw JSON>}` without parsing and re-serialising the body. */
export function eventEnvelope(redactedBody: string, keys: FoundKey[]): string {
  return `{"keys":${JSON.stringify(keys)},"body":${redactedBody}}`;
}
