// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`
// (docs/reference/github.md §2.1). The receiver checks the header's shape before it reads a byte of
// the body, then feeds the body to `githubAppHmac` chunk by chunk as it arrives and compares at the
// end (`matchesGithubApp`).
import { createHmac, type Hmac } from 'node:crypto';
import { secretsEqual } from '../platform/constant-time.js';

const SIGNATURE_SHAPE = /^sha256=[0-9a-f]{64}$/i;

export function signGithubApp(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when the header can be a signature at all: `sha256=` and 64 hex digits. */
export function isPlausibleGithubSignature(signature: string | undefined): signature is string {
  return signature !== undefined && SIGNATURE_SHAPE.test(signature);
}

/** The HMAC to update with each chunk of the body. */
export function githubAppHmac(secret: string): Hmac {
  return createHmac('sha256', secret);
}

/** Finishes `hmac` (fed the whole body) and compares it with a plausible signature, in constant time. */
export function matchesGithubApp(hmac: Hmac, signature: string): boolean {
  return secretsEqual(signature.slice('sha256='.length).toLowerCase(), hmac.digest('hex'));
}

export function verifyGithubApp(body: Buffer, signature: string | undefined, secret: string): boolean {
  if (!isPlausibleGithubSignature(signature)) return false;
  return matchesGithubApp(githubAppHmac(secret).update(body), signature);
}
