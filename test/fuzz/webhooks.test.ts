// Property tests of the webhook signature checks (webhook-server/verify-*.ts) and their Hono
// receivers (webhook-server/receivers/*): random bodies, signatures and timestamps never verify
// and never throw; the providers' published vectors verify, and so does our own signing (round
// trip); through the receivers, unsigned noise gets 4xx and signed noise 2xx or 4xx, never 5xx.
import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { signGithubApp, verifyGithubApp } from '../../webhook-server/verify-github-app.js';
import { GITGUARDIAN_WINDOW_MS, signGitguardian, verifyGitguardian } from '../../webhook-server/verify-gitguardian.js';
import { verifyPartnerSignature } from '../../webhook-server/verify-partner.js';
import {
  alertPayload,
  APP_SECRET,
  createWebhookHarness,
  GG_SECRET,
  GITHUB_API,
  PARTNER_KEY_ID,
  partnerKeyPair,
  pushPayload,
  partnerHeaders,
  signPartner,
  useNoNetwork,
  type WebhookHarness,
} from '../webhook-server/support.js';
import { DIALECTS } from '../support/databases.js';
import { DOCS_BODY, DOCS_KEY_ID, DOCS_PUBLIC_KEY, DOCS_SIGNATURE } from '../webhook-server/vectors.js';
import { FUZZ_SEED } from './seed.js';

const GITLAB_KEYS = 'https://gitlab-keys.test';
const GITLAB_TOKEN = 'gitlab-revocation-token-0123456789';
const CHEAP = { seed: FUZZ_SEED, numRuns: 2000 };
const HTTP = { seed: FUZZ_SEED, numRuns: 300 };

const bytes = fc.uint8Array({ maxLength: 500 }).map((array) => Buffer.from(array));
const hex64 = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
/** Printable ASCII: what an HTTP header can carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 100,
});
const optionalHeader = fc.option(headerText, { nil: undefined });
const anySignature = fc.option(
  fc.oneof(
    headerText,
    hex64.map((hex) => `sha256=${hex}`),
    fc.base64String({ maxLength: 120 }),
  ),
  { nil: undefined },
);
/** One character of a string changed (to a different one). */
function mutate(text: string, at: number, to: string): string {
  const index = at % text.length;
  return text.slice(0, index) + (text[index] === to ? (to === 'A' ? 'B' : 'A') : to) + text.slice(index + 1);
}
const mutation = fc.tuple(fc.nat(), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }));

describe('signature checks', () => {
  const docsKey = createPublicKey(DOCS_PUBLIC_KEY);

  it(`partner ECDSA: random bodies and signatures never verify or throw; one changed character of the documented sample fails (${CHEAP.numRuns} runs each)`, () => {
    expect(verifyPartnerSignature(Buffer.from(DOCS_BODY), DOCS_SIGNATURE, docsKey)).toBe(true);
    fc.assert(
      fc.property(
        fc.oneof(bytes, fc.constant(Buffer.from(DOCS_BODY))),
        fc.oneof(headerText, fc.base64String({ maxLength: 120 })),
        (body, signature) => {
          fc.pre(signature !== DOCS_SIGNATURE);
          expect(verifyPartnerSignature(body, signature, docsKey)).toBe(false);
        },
      ),
      CHEAP,
    );
    fc.assert(
      fc.property(mutation, fc.boolean(), ([at, to], inBody) => {
        const body = inBody ? mutate(DOCS_BODY, at, to) : DOCS_BODY;
        const signature = inBody ? DOCS_SIGNATURE : mutate(DOCS_SIGNATURE.replace(/=+$/, ''), at, to);
        // Base64 slack: the last character's low bits carry no data, so a change there that
        // decodes to the same bytes is the same signature (found by this property; harmless).
        fc.pre(inBody || !Buffer.from(signature, 'base64').equals(Buffer.from(DOCS_SIGNATURE, 'base64')));
        expect(verifyPartnerSignature(Buffer.from(body), signature, docsKey)).toBe(false);
      }),
      CHEAP,
    );
  });

  it(`GitHub App HMAC: our signature verifies any body; random or one-character-changed signatures do not (${CHEAP.numRuns} runs each)`, () => {
    fc.assert(
      fc.property(bytes, anySignature, (body, signature) => {
        fc.pre(signature?.toLowerCase() !== signGithubApp(body, APP_SECRET));
        expect(verifyGithubApp(body, signature, APP_SECRET)).toBe(false);
      }),
      CHEAP,
    );
    fc.assert(
      fc.property(bytes, mutation, (body, [at, to]) => {
        const signature = signGithubApp(body, APP_SECRET);
        expect(verifyGithubApp(body, signature, APP_SECRET)).toBe(true);
        expect(verifyGithubApp(body, signature.toUpperCase().replace('SHA256=', 'sha256='), APP_SECRET)).toBe(true);
        const changed = mutate(signature, at, to);
        fc.pre(changed.toLowerCase() !== signature);
        expect(verifyGithubApp(body, changed, APP_SECRET)).toBe(false);
      }),
      CHEAP,
    );
  });

  it(`GitGuardian: random input is bad_signature; a signed delivery is ok exactly inside the 5-minute window (${CHEAP.numRuns} runs each)`, () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    fc.assert(
      fc.property(bytes, anySignature, optionalHeader, (body, signature, timestamp) => {
        fc.pre(!timestamp || signature?.toLowerCase() !== signGitguardian(body, timestamp, GG_SECRET));
        expect(verifyGitguardian(body, signature, timestamp, GG_SECRET, now)).toBe('bad_signature');
      }),
      CHEAP,
    );
    fc.assert(
      fc.property(bytes, fc.integer({ min: -20 * 60, max: 20 * 60 }), fc.boolean(), (body, offsetSeconds, millis) => {
        const sentMs = now + offsetSeconds * 1000;
        const timestamp = millis ? String(sentMs) : String(Math.floor(sentMs / 1000));
        const verdict = verifyGitguardian(body, signGitguardian(body, timestamp, GG_SECRET), timestamp, GG_SECRET, now);
        const readMs = millis ? sentMs : Math.floor(sentMs / 1000) * 1000;
        expect(verdict).toBe(Math.abs(now - readMs) > GITGUARDIAN_WINDOW_MS ? 'stale' : 'ok');
      }),
      CHEAP,
    );
  });
});

// JSON a sender might post: anything, or the real payload shapes with fields swapped for noise.
const noise = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constant(generateKey()),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
);
function withNoise(base: () => Record<string, unknown>) {
  return fc
    .tuple(
      fc.dictionary(
        fc.constantFrom(
          'action',
          'installation',
          'repository',
          'commits',
          'ref',
          'after',
          'before',
          'alert',
          'incident',
          'sender',
        ),
        noise,
      ),
    )
    .map(([changes]) => ({ ...base(), ...changes }));
}
const ggIncident = () => ({
  action: 'incident_triggered',
  incident: { id: 7, hmsl_hash: 'a'.repeat(64), detector: { name: 'Trust Leads API key' } },
});
const signedBody = fc
  .oneof(
    fc.jsonValue({ maxDepth: 4 }),
    withNoise(() => pushPayload()),
    withNoise(() => alertPayload('created')),
    withNoise(ggIncident),
    fc.array(
      fc.record(
        { token: fc.oneof(noise, fc.constant(generateKey())), type: noise, url: noise, source: noise },
        { requiredKeys: [] },
      ),
      { maxLength: 5 },
    ),
  )
  .map((value) => JSON.stringify(value) ?? 'null');
const rawBody = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), signedBody, fc.constant('{'.repeat(5000)));

useNoNetwork();

describe.each(DIALECTS)('receivers under random input on %s', (dialect) => {
  const signer = partnerKeyPair();
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await createWebhookHarness(dialect, {
      settings: {
        gitlabPublicKeysUrl: `${GITLAB_KEYS}/keys`,
        gitlabRevocationToken: GITLAB_TOKEN,
        reportRateLimit: 1_000_000,
      },
    });
    nock(GITLAB_KEYS)
      .persist()
      .get('/keys')
      .reply(200, { public_keys: [{ key_identifier: 'gitlab-key-1', key: signer.publicPem, is_current: true }] });
    nock(GITHUB_API)
      .persist()
      .get('/meta/public_keys/secret_scanning')
      .reply(200, {
        public_keys: [
          { key_identifier: PARTNER_KEY_ID, key: signer.publicPem, is_current: true },
          { key_identifier: DOCS_KEY_ID, key: DOCS_PUBLIC_KEY, is_current: false },
        ],
      });
  });
  afterAll(async () => {
    nock.cleanAll();
    await h.close();
  });

  /** Statuses seen per route, to check the noise reached both the refusals and the acceptance. */
  const seen: Record<string, Set<number>> = {};
  function expectAnswer(response: { status: number; body: any; text: string }, allowed: RegExp, route = ''): void {
    (seen[route] ??= new Set()).add(response.status);
    expect(String(response.status), response.text).toMatch(allowed);
    if (response.status >= 400) expect(response.body?.error?.code, response.text).toMatch(/^[a-z_]+$/);
  }

  const routes = {
    app: '/webhooks/github',
    gitguardian: '/webhooks/gitguardian',
    partner: '/webhooks/github/secret-scanning',
    gitlabPartner: '/webhooks/gitlab/secret-detection',
    gitlabRevoke: '/webhooks/gitlab/revoke_tokens',
  } as const;

  it(`unsigned or wrongly signed: 4xx on each receiver, never 5xx (${HTTP.numRuns} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(routes) as Array<keyof typeof routes>)),
        rawBody,
        anySignature,
        optionalHeader,
        optionalHeader,
        async (route, body, signature, extra, event) => {
          const headers: Record<string, string> = {};
          if (signature !== undefined) {
            Object.assign(headers, {
              'x-hub-signature-256': signature,
              'gitguardian-signature': signature,
              'github-public-key-signature': signature,
              'gitlab-public-key-signature': signature,
              authorization: signature,
            });
          }
          if (extra !== undefined)
            Object.assign(headers, {
              timestamp: extra,
              'github-public-key-identifier': extra,
              'gitlab-public-key-identifier': extra,
              'x-github-delivery': extra,
            });
          if (event !== undefined) headers['x-github-event'] = event;
          expectAnswer(await h.post(routes[route], body, headers), /^4\d\d$/);
        },
      ),
      HTTP,
    );
  });

  it(`signed noise: 2xx or 4xx on each receiver, never 5xx (${HTTP.numRuns} runs per receiver)`, async () => {
    const event = fc.constantFrom(
      'push',
      'installation',
      'installation_repositories',
      'secret_scanning_alert',
      'ping',
      'issues',
    );
    await fc.assert(
      fc.asyncProperty(rawBody, event, fc.oneof(fc.uuid(), headerText), async (body, name, delivery) => {
        const response = await h.post(routes.app, body, {
          'x-github-event': name,
          'x-github-delivery': delivery,
          'x-hub-signature-256': signGithubApp(body, APP_SECRET),
        });
        expectAnswer(response, /^[24]\d\d$/, 'app');
      }),
      HTTP,
    );
    await fc.assert(
      fc.asyncProperty(rawBody, async (body) => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        expectAnswer(
          await h.post(routes.gitguardian, body, {
            timestamp,
            'gitguardian-signature': signGitguardian(body, timestamp, GG_SECRET),
          }),
          /^[24]\d\d$/,
          'gitguardian',
        );
      }),
      HTTP,
    );
    await fc.assert(
      fc.asyncProperty(rawBody, async (body) => {
        expectAnswer(
          await h.post(routes.partner, body, partnerHeaders(body, signer.privateKey)),
          /^[24]\d\d$/,
          'partner',
        );
      }),
      HTTP,
    );
    await fc.assert(
      fc.asyncProperty(rawBody, async (body) => {
        const headers = {
          'gitlab-public-key-identifier': 'gitlab-key-1',
          'gitlab-public-key-signature': signPartner(body, signer.privateKey),
        };
        expectAnswer(await h.post(routes.gitlabPartner, body, headers), /^[24]\d\d$/, 'gitlabPartner');
      }),
      HTTP,
    );
    // GitLab Self-Managed's requests carry the token, not a signature: noise with it is 2xx or 4xx.
    const gitlabBody = fc.oneof(
      rawBody,
      fc
        .array(
          fc.record(
            {
              type: fc.oneof(noise, fc.constant('gitleaks_rule_id_trustleads-api-key')),
              token: fc.oneof(noise, fc.constant(generateKey())),
              location: noise,
            },
            { requiredKeys: [] },
          ),
          { maxLength: 5 },
        )
        .map((value) => JSON.stringify(value)),
    );
    await fc.assert(
      fc.asyncProperty(gitlabBody, async (body) => {
        expectAnswer(
          await h.post(routes.gitlabRevoke, body, { authorization: GITLAB_TOKEN }),
          /^[24]\d\d$/,
          'gitlabRevoke',
        );
      }),
      HTTP,
    );
    // Some of the noise was taken and stored (the runs reach the inbox, not only the refusals).
    const stored = await h.deliveries();
    expect(stored.length).toBeGreaterThan(10);
    for (const route of ['app', 'gitguardian', 'partner', 'gitlabPartner', 'gitlabRevoke']) {
      const statuses = [...seen[route]!];
      expect(
        statuses.some((status) => status < 300),
        `${route}: ${statuses}`,
      ).toBe(true);
      expect(
        statuses.some((status) => status >= 400),
        `${route}: ${statuses}`,
      ).toBe(true);
    }
  });

  it("regression (found by the leak check over the signed-noise runs): a key in a match's type, url or source is not stored", async () => {
    const key = generateKey();
    const body = JSON.stringify([
      { token: generateKey(), type: key, url: `https://example.com/x?key=${key}`, source: `pasted ${key}` },
    ]);
    expect((await h.post(routes.partner, body, partnerHeaders(body, signer.privateKey))).status).toBe(200);
    const stored = (await h.deliveries()).find((delivery) => delivery.payload.includes(key.slice(0, 11)));
    expect(stored?.payload).toBeDefined();
    expect(stored!.payload).not.toContain(key);
    expect(JSON.parse(stored!.payload).matches[0]).toMatchObject({
      type: `${key.slice(0, 11)}…`,
      url: `https://example.com/x?key=${key.slice(0, 11)}…`,
      source: `pasted ${key.slice(0, 11)}…`,
    });
  });

  it('the documented partner sample, signed by GitHub, is taken (200) and one changed byte is refused (401)', async () => {
    const headers = { 'github-public-key-identifier': DOCS_KEY_ID, 'github-public-key-signature': DOCS_SIGNATURE };
    expect((await h.post(routes.partner, DOCS_BODY, headers)).status).toBe(200);
    expect((await h.post(routes.partner, DOCS_BODY.replace('some_token', 'some_tokem'), headers)).status).toBe(401);
  });
});
