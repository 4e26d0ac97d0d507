// The three signature schemes against the providers' published test vectors, and the ways a
// signature can be wrong.
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signGithubApp, verifyGithubApp } from '../../webhook-server/verify-github-app.js';
import { signGitguardian, verifyGitguardian } from '../../webhook-server/verify-gitguardian.js';
import { verifyPartnerSignature } from '../../webhook-server/verify-partner.js';
import { redactPayload } from '../../webhook-server/redact-payload.js';
import { partnerKeyPair, signPartner } from './support.js';
import { DOCS_BODY, DOCS_PUBLIC_KEY, DOCS_SIGNATURE } from './vectors.js';

describe('partner program ECDSA signature', () => {
  const key = createPublicKey(DOCS_PUBLIC_KEY);

  it('accepts the documented sample and nothing else', () => {
    expect(Buffer.byteLength(DOCS_BODY)).toBe(104);
    expect(Buffer.from(DOCS_SIGNATURE, 'base64')).toHaveLength(70);
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY), DOCS_SIGNATURE, key)).toBe(true);
    expect(verifyPartnerSignature(Buffer.from(`${DOCS_BODY}\n`), DOCS_SIGNATURE, key)).toBe(false);
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY.slice(0, 50)), DOCS_SIGNATURE, key)).toBe(false);
  });

  it('refuses a signature by another key, garbage and an empty signature', () => {
    const other = partnerKeyPair();
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY), signPartner(DOCS_BODY, other.privateKey), key)).toBe(false);
    expect(
      verifyPartnerSignature(
        Buffer.from(DOCS_BODY),
        signPartner(DOCS_BODY, other.privateKey),
        createPublicKey(other.publicPem),
      ),
    ).toBe(true);
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY), 'not base64 at all!', key)).toBe(false);
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY), 'AAAA', key)).toBe(false);
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY), '', key)).toBe(false);
  });
});

describe('GitHub App HMAC', () => {
  it('matches GitHub docs vector', () => {
    expect(signGithubApp('Hello, World!', "It's a Secret to Everybody")).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    expect(
      verifyGithubApp(
        Buffer.from('Hello, World!'),
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
        "It's a Secret to Everybody",
      ),
    ).toBe(true);
  });

  it('refuses missing, malformed, other-secret and other-body signatures', () => {
    const body = Buffer.from('Hello, World!');
    const secret = "It's a Secret to Everybody";
    expect(verifyGithubApp(body, undefined, secret)).toBe(false);
    expect(verifyGithubApp(body, '', secret)).toBe(false);
    expect(verifyGithubApp(body, 'sha1=757107ea0eb2509fc211221cce984b8a37570b6d', secret)).toBe(false);
    expect(verifyGithubApp(body, signGithubApp(body, 'another secret'), secret)).toBe(false);
    expect(verifyGithubApp(Buffer.from('Hello, World'), signGithubApp(body, secret), secret)).toBe(false);
  });
});

describe('GitGuardian signature and window', () => {
  it('matches the documented vector (key = timestamp then token)', () => {
    const vector = 'sha256=172fe3d694b734aa53dc892fd3b8d62163fc240064de570ba006900bb54a0fc2';
    expect(signGitguardian('bar', '0', 'foo')).toBe(vector);
    expect(verifyGitguardian(Buffer.from('bar'), vector, '0', 'foo', 0)).toBe('ok');
    // Same signature, far from the clock: a replay.
    expect(verifyGitguardian(Buffer.from('bar'), vector, '0', 'foo', Date.now())).toBe('stale');
  });

  it('reads seconds, and milliseconds when the timestamp has 13 digits; 5 minutes either way', () => {
    const now = 1_790_000_000_000;
    const check = (timestamp: string) =>
      verifyGitguardian(Buffer.from('{}'), signGitguardian('{}', timestamp, 'tok'), timestamp, 'tok', now);
    expect(check(String(now / 1000))).toBe('ok');
    expect(check(String(now))).toBe('ok');
    expect(check(String(now / 1000 - 299))).toBe('ok');
    expect(check(String(now / 1000 + 299))).toBe('ok');
    expect(check(String(now / 1000 - 301))).toBe('stale');
    expect(check(String(now - 301_000))).toBe('stale');
    expect(check(String(now / 1000 + 301))).toBe('stale');
  });

  it('refuses a wrong token, a reversed key order, a missing or non-numeric timestamp', () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const body = Buffer.from('{"action":"incident_triggered"}');
    expect(verifyGitguardian(body, signGitguardian(body, ts, 'other'), ts, 'tok')).toBe('bad_signature');
    expect(verifyGitguardian(body, `sha256=${signGitguardian(body, '', `tok${ts}`).slice(7)}`, ts, 'tok')).toBe(
      'bad_signature',
    );
    expect(verifyGitguardian(body, signGitguardian(body, ts, 'tok'), undefined, 'tok')).toBe('bad_signature');
    expect(verifyGitguardian(body, signGitguardian(body, 'yesterday', 'tok'), 'yesterday', 'tok')).toBe(
      'bad_signature',
    );
    expect(verifyGitguardian(body, undefined, ts, 'tok')).toBe('bad_signature');
  });
});

describe('stored payloads', () => {
  it('keep no key, only the hashes of well-formed ones', () => {
    const key = 'lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS';
    const bad = 'lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0';
    const { text, keys } = redactPayload(JSON.stringify({ message: `oops ${key} and ${bad}` }));
    expect(text).not.toContain(key);
    expect(text).not.toContain(bad);
    expect(JSON.parse(text).message).toBe('oops lfk_sk_abcd… and lfk_sk_a1b2…');
    expect(keys).toEqual([
      { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), display: 'lfk_sk_abcd…aayDS'.replace('aayDS', 'ayDS') },
    ]);
  });
});
