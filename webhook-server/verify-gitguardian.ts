// `Gitguardian-Signature: sha256=<hex HMAC-SHA256(key = Timestamp + token, raw body)>`, with the
// `Timestamp` header read as Unix seconds (or milliseconds when it has 13 digits) and refused when
// more than five minutes off (docs/reference/gitguardian.md §1.2–1.3). The receiver checks both
// headers' shape before it reads the body, then feeds the body to `gitguardianHmac` chunk by chunk.
import { createHmac, type Hmac } from 'node:crypto';
import { secretsEqual } from '../platform/constant-time.js';

export const GITGUARDIAN_WINDOW_MS = 5 * 60_000;

const SIGNATURE_SHAPE = /^sha256=[0-9a-f]{64}$/i;
const TIMESTAMP_SHAPE = /^\d{1,13}$/;

export function signGitguardian(body: Buffer | string, timestamp: string, token: string): string {
  return `sha256=${createHmac('sha256', timestamp + token)
    .update(body)
    .digest('hex')}`;
}

export type GitguardianVerdict = 'ok' | 'bad_signature' | 'stale';

/** True when the headers can be a signature at all: `sha256=` and 64 hex digits, a Timestamp of 1–13 digits. */
export function isPlausibleGitguardianSignature(signature: string | undefined, timestamp: string | undefined): boolean {
  return (
    signature !== undefined &&
    timestamp !== undefined &&
    SIGNATURE_SHAPE.test(signature) &&
    TIMESTAMP_SHAPE.test(timestamp)
  );
}

/** The HMAC to update with each chunk of the body. */
export function gitguardianHmac(timestamp: string, token: string): Hmac {
  return createHmac('sha256', timestamp + token);
}

/** Finishes `hmac` (fed the whole body) and judges plausible headers against it. */
export function gitguardianVerdict(
  hmac: Hmac,
  signature: string,
  timestamp: string,
  nowMs = Date.now(),
): GitguardianVerdict {
  if (!secretsEqual(signature.slice('sha256='.length).toLowerCase(), hmac.digest('hex'))) return 'bad_signature';
  // Checked after the signature, so the window cannot be probed without the token.
  const sentMs = timestamp.length === 13 ? Number(timestamp) : Number(timestamp) * 1000;
  return Math.abs(nowMs - sentMs) > GITGUARDIAN_WINDOW_MS ? 'stale' : 'ok';
}

export function verifyGitguardian(
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  token: string,
  nowMs = Date.now(),
): GitguardianVerdict {
  if (!isPlausibleGitguardianSignature(signature, timestamp)) return 'bad_signature';
  return gitguardianVerdict(gitguardianHmac(timestamp!, token).update(body), signature!, timestamp!, nowMs);
}
