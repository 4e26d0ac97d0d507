// The secrets and signatures a test signs webhooks with, apart from support.ts because that one
// loads nock: its interceptor holds a raw socket's connection back until a whole HTTP request is
// written, so a test of stalled uploads (../security/limits-webhook-uploads.test.ts) cannot load it.
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { signGitguardian } from '../../webhook-server/verify-gitguardian.js';

// The package is CommonJS JSON; NodeNext types its default import as the module, so require it.
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

export const APP_SECRET = "It's a Secret to Everybody";
export const GG_SECRET = 'gg-signature-token-0123456789';
export const PARTNER_KEY_ID = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';

/** An RSA key for the App's JWT (Octokit signs it locally; nock answers the token exchange). */
export const APP_PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

export function partnerKeyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function signPartner(body: string, privateKey: KeyObject): string {
  return createSign('sha256').update(body).sign(privateKey).toString('base64');
}

/** The headers of a GitHub partner-program request signed with `privateKey`, listed as `keyId`. */
export function partnerHeaders(body: string, privateKey: KeyObject, keyId = PARTNER_KEY_ID): Record<string, string> {
  return { 'github-public-key-identifier': keyId, 'github-public-key-signature': signPartner(body, privateKey) };
}

export function gitguardianHeaders(
  body: string,
  timestamp = String(Math.floor(Date.now() / 1000)),
  secret = GG_SECRET,
): Record<string, string> {
  return { 'gitguardian-signature': signGitguardian(body, timestamp, secret), timestamp };
}

/** A real push payload from @octokit/webhooks-examples (a new branch with one commit), adjusted. */
export function pushPayload(changes: Record<string, unknown> = {}): any {
  const base = examples
    .find((definition) => definition.name === 'push')!
    .examples.find((example: any) => example.installation && example.commits.length === 1);
  return { ...structuredClone(base), ...changes };
}
