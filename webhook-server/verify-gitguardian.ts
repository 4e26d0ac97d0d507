// `Gitguardian-Signature: sha256=<hex HMAC-SHA256(key = Timestamp + token, raw body)>`, with the
// `Timestamp` header read as Unix seconds (or milliseconds when it has 13 digits) and refused when
// more than five minutes off (REFERENCE-gitguardian.md §1.2–1.3).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const GITGUARDIAN_WINDOW_MS = 5 * 60_000;

export function signGitguardian(body: Buffer | string, timestamp: string, token: string): string {
  return `sha256=${createHmac('sha256', timestamp + token).update(body).digest('hex')}`;
}

export type GitguardianVerdict = 'ok' | 'bad_signature' | 'stale';

export function verifyGitguardian(
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  token: string,
  nowMs = Date.now(),
): GitguardianVerdict {
  if (!signature || !timestamp || !/^sha256=[0-9a-f]{64}$/i.test(signature) || !/^\d{1,13}$/.test(timestamp)) return 'bad_signature';
  const expected = Buffer.from(signGitguardian(body, timestamp, token), 'utf8');
  const presented = Buffer.from(signature.toLowerCase(), 'utf8');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return 'bad_signature';
  // Checked after the signature, so the window cannot be probed without the token.
  const sentMs = timestamp.length === 13 ? Number(timestamp) : Number(timestamp) * 1000;
  return Math.abs(nowMs - sentMs) > GITGUARDIAN_WINDOW_MS ? 'stale' : 'ok';
}
