// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>` (REFERENCE-github.md §2.1).
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signGithubApp(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifyGithubApp(body: Buffer, signature: string | undefined, secret: string): boolean {
  if (!signature || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = Buffer.from(signGithubApp(body, secret), 'utf8');
  const presented = Buffer.from(signature.toLowerCase(), 'utf8');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
