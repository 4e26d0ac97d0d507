// GitLab's two ways of sending leaked lfk keys to their issuer (docs/webhooks.md#gitlab), through
// the same verify → store → handle path as the other receivers. Signatures are made with our own
// ECDSA keys (GitLab's come from an address it gives partners; served here by nock), tokens are our
// own choice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { startLfkServer } from '../support/cli.js';
import { DIALECTS } from '../support/databases.js';
import { BAD_CHECKSUM_KEY, eventsOf, keyRow, unknownKey } from '../support/http.js';
import { expectWaitingForKeyService, webhooksApart } from './key-service-server.js';
import {
  createWebhookHarness,
  expectNoKeysIn,
  expectNoKeysLoggedOrAudited,
  expectProcessedOnce,
  partnerKeyPair,
  signPartner,
  useNoNetwork,
  useWebhookHarness,
  type WebhookHarness,
  expectNotConfigured,
} from './support.js';

const GITLAB_KEYS = 'https://gitlab-keys.test';
const GITLAB_KEYS_URL = `${GITLAB_KEYS}/v1/public_keys`;
const KEY_ID = '6917d7584f0fa65c8c33df5ab20f54dfb9a6e6ae';
const REVOCATION_TOKEN = 'glrt-shared-secret-0123456789abcdef';
const PARTNER = '/webhooks/gitlab/secret-detection';
const TYPES = '/webhooks/gitlab/revocable_token_types';
const REVOKE = '/webhooks/gitlab/revoke_tokens';
const LFK_TYPE = 'gitleaks_rule_id_trustleads-api-key';

const signer = partnerKeyPair();
const other = partnerKeyPair();

function signed(body: string, privateKey = signer.privateKey, keyId = KEY_ID) {
  return { 'gitlab-public-key-identifier': keyId, 'gitlab-public-key-signature': signPartner(body, privateKey) };
}

/** GitLab's documented request: `[{type, token, url}]`, the url to the raw file. */
function leaks(tokens: string[]) {
  return JSON.stringify(
    tokens.map((token, index) => ({
      type: 'trustleads_api_key',
      token,
      url: `https://gitlab.com/acme/app/-/raw/abc123/config/file${index}.env`,
    })),
  );
}

function revocations(items: Array<{ token: string; type?: string; location?: string }>) {
  return JSON.stringify(
    items.map((item, index) => ({
      type: LFK_TYPE,
      location: `https://gitlab.acme.test/acme/app/-/blob/abc123/file${index}.env`,
      ...item,
    })),
  );
}

const auth = (token = REVOCATION_TOKEN) => ({ authorization: token });

useNoNetwork();

describe.each(DIALECTS)('GitLab receivers on %s', (dialect) => {
  let h: WebhookHarness;
  let keysScope: nock.Scope;

  useWebhookHarness(dialect, (made) => (h = made), {
    settings: { gitlabPublicKeysUrl: GITLAB_KEYS_URL, gitlabRevocationToken: REVOCATION_TOKEN, reportRateLimit: 30 },
  });
  beforeEach(() => {
    keysScope = nock(GITLAB_KEYS)
      .get('/v1/public_keys')
      .reply(
        200,
        { public_keys: [{ key_identifier: KEY_ID, key: signer.publicPem, is_current: true }] },
        { etag: '"k1"' },
      );
  });

  const get = async (path: string, headers: Record<string, string>) => {
    const response = await h.webhooks.app.request(path, { headers });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json().catch(() => undefined)) as any,
    };
  };

  describe('partner program (GitLab.com)', () => {
    it('stores a signed batch without keys, answers 202, and revokes the lfk keys with reason exposed:gitlab', async () => {
      const { accountId, key: live } = await h.createAccountWithKey({ name: 'Leaked on GitLab' });
      const body = leaks([live.key, unknownKey(), BAD_CHECKSUM_KEY, 'glpat-notours']);
      const response = await h.post(PARTNER, body, signed(body));
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ status: 'queued', delivery: expect.stringMatching(/^dlv_/) });
      const [stored] = await h.deliveries();
      expect(stored).toMatchObject({ provider: 'gitlab', event: 'secret_detection', status: 'pending' });
      expectNoKeysIn([stored!.payload]);
      // Stored first: the key works until the worker runs.
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();

      expect(await h.drain()).toBe(1);
      expect(await keyRow(h, live.id)).toMatchObject({ revoked_reason: 'exposed:gitlab' });
      expect((await h.deliveries())[0]).toMatchObject({
        status: 'done',
        result: { matches: 2, revoked: 1, unknown: 1 },
      });
      const [exposed] = await eventsOf(h, accountId, 'key.exposed');
      expect(JSON.parse(exposed!.data)).toMatchObject({
        source: 'gitlab',
        url: 'https://gitlab.com/acme/app/-/raw/abc123/config/file0.env',
        location: 'GitLab secret detection (partner program)',
      });
      const [revoked] = await eventsOf(h, accountId, 'key.revoked');
      expect(revoked!.actor_type).toBe('gitlab');
      await expectNoKeysLoggedOrAudited(h);
      keysScope.done();
    });

    it('stores a batch sent again once, and answers it as a duplicate', async () => {
      const { accountId, key: live } = await h.createAccountWithKey();
      const body = leaks([live.key]);
      expect((await h.post(PARTNER, body, signed(body))).body.status).toBe('queued');
      expect((await h.post(PARTNER, body, signed(body))).body.status).toBe('duplicate');
      await expectProcessedOnce(h, accountId);
    });

    it('refuses unsigned, GitHub-headed, wrongly signed, truncated and unknown-key requests with 401, storing nothing', async () => {
      const { key: live } = await h.createAccountWithKey();
      const body = leaks([live.key]);
      const unsigned = await h.post(PARTNER, body, {});
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.error).toMatchObject({
        code: 'invalid_signature',
        message: expect.stringContaining('Gitlab-Public-Key-Signature'),
      });
      // GitHub's header names are not GitLab's.
      expect(
        (
          await h.post(PARTNER, body, {
            'github-public-key-identifier': KEY_ID,
            'github-public-key-signature': signed(body)['gitlab-public-key-signature'],
          })
        ).status,
      ).toBe(401);
      expect((await h.post(PARTNER, body, signed(body, other.privateKey))).status).toBe(401);
      expect((await h.post(PARTNER, body.slice(0, -5), signed(body))).status).toBe(401);
      expect(
        (await h.post(PARTNER, body, { ...signed(body), 'gitlab-public-key-signature': 'not base64 at all!' })).status,
      ).toBe(401);
      nock(GITLAB_KEYS).get('/v1/public_keys').reply(304);
      expect((await h.post(PARTNER, body, signed(body, signer.privateKey, 'f'.repeat(40)))).status).toBe(401);
      expect(await h.deliveries()).toEqual([]);
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();
    });

    it('answers 400 for signed non-JSON or matches without a token, 413 past 1000 matches or 8 MiB', async () => {
      for (const body of ['not json', '{"token":"x"}', '[{"type":"t"}]', '[null]']) {
        const response = await h.post(PARTNER, body, signed(body));
        expect(response.status, body).toBe(400);
      }
      const many = leaks(Array.from({ length: 1001 }, () => unknownKey()));
      expect((await h.post(PARTNER, many, signed(many))).status).toBe(413);
      const huge = JSON.stringify([{ type: 't', token: 'x', url: 'u'.repeat(9 * 1024 * 1024) }]);
      const tooBig = await h.post(PARTNER, huge, signed(huge));
      expect(tooBig.status).toBe(413);
      expect(await h.deliveries()).toEqual([]);
    });

    it('answers 503 naming LFK_GITLAB_PUBLIC_KEYS_URL when it is unset, and 503 with Retry-After when GitLab will not give its keys', async () => {
      const unset = await createWebhookHarness(dialect, { settings: { gitlabPublicKeysUrl: undefined } });
      try {
        const body = leaks(['x']);
        const response = await unset.post(PARTNER, body, signed(body));
        expectNotConfigured(response, 'LFK_GITLAB_PUBLIC_KEYS_URL');
      } finally {
        await unset.close();
      }
      nock.cleanAll();
      nock(GITLAB_KEYS).get('/v1/public_keys').reply(502);
      const body = leaks(['x']);
      const down = await h.post(PARTNER, body, signed(body));
      expect(down.status).toBe(503);
      expect(down.body.error.message).toContain("GitLab's signing keys");
      expect(await h.deliveries()).toEqual([]);
    });
  });

  describe('Token Revocation API (GitLab Self-Managed)', () => {
    it('lists the token types lfk revokes, to the bare token GitLab sends (and to Bearer)', async () => {
      const listed = await get(TYPES, auth());
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ types: [LFK_TYPE, 'gitleaks_rule_id_trust_leads_api_key'] });
      expect((await get(TYPES, auth(`Bearer ${REVOCATION_TOKEN}`))).status).toBe(200);
      for (const headers of [{}, auth('wrong'), auth(`${REVOCATION_TOKEN}x`)]) {
        const refused = await get(TYPES, headers);
        expect(refused.status).toBe(401);
        expect(refused.body.error.code).toBe('unauthenticated');
      }
    });

    it('stores the tokens and answers 204; the worker revokes the lfk keys, found in the text GitLab matched', async () => {
      const { accountId } = await h.createAccount();
      const plain = await h.createKey(accountId, { name: 'Plain' });
      const inLine = await h.createKey(accountId, { name: 'In a line' });
      const body = revocations([
        { token: plain.key },
        { token: `TRUSTLEADS_API_KEY=${inLine.key}` },
        { token: 'no key here' },
        { token: unknownKey() },
      ]);
      const response = await h.post(REVOKE, body, auth());
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      const [stored] = await h.deliveries();
      expect(stored).toMatchObject({ provider: 'gitlab', event: 'revoke_tokens', status: 'pending' });
      expectNoKeysIn([stored!.payload]);

      expect(await h.drain()).toBe(1);
      expect((await keyRow(h, plain.id)).revoked_reason).toBe('exposed:gitlab');
      expect((await keyRow(h, inLine.id)).revoked_reason).toBe('exposed:gitlab');
      expect((await h.deliveries())[0]).toMatchObject({
        status: 'done',
        result: { matches: 3, revoked: 2, unknown: 1 },
      });
      const exposures = (await eventsOf(h, accountId, 'key.exposed')).map((event) => JSON.parse(event.data));
      expect(exposures).toContainEqual(
        expect.objectContaining({
          source: 'gitlab',
          url: 'https://gitlab.acme.test/acme/app/-/blob/abc123/file1.env',
          location: 'GitLab secret detection (self-managed)',
        }),
      );
      expectNoKeysIn([...h.logs, ...exposures.map((exposure) => JSON.stringify(exposure))]);
    });

    it('is idempotent: the same request again answers 204 and revokes nothing twice', async () => {
      const { accountId, key: live } = await h.createAccountWithKey();
      const body = revocations([{ token: live.key }]);
      expect((await h.post(REVOKE, body, auth())).status).toBe(204);
      expect((await h.post(REVOKE, body, auth())).status).toBe(204);
      await expectProcessedOnce(h, accountId);
    });

    it('answers 400, storing nothing, for a type lfk does not revoke, bad JSON and bad shapes; 401 for a wrong token', async () => {
      const { key: live } = await h.createAccountWithKey();
      const unsupported = await h.post(
        REVOKE,
        revocations([{ token: live.key }, { token: 'AKIA…', type: 'gitleaks_rule_id_aws_access_token' }]),
        auth(),
      );
      expect(unsupported.status).toBe(400);
      expect(unsupported.body.error.message).toContain('gitleaks_rule_id_aws_access_token');
      for (const body of [
        '{',
        '{}',
        '[]',
        '[1]',
        '[{"type":"x"}]',
        JSON.stringify([{ type: LFK_TYPE, token: live.key, location: 7 }]),
      ]) {
        const response = await h.post(REVOKE, body, auth());
        expect(response.status, body).toBe(400);
        expect(['invalid_json', 'invalid_request']).toContain(response.body.error.code);
      }
      const wrong = await h.post(REVOKE, revocations([{ token: live.key }]), auth('nope'));
      expect(wrong.status).toBe(401);
      expect(await h.deliveries()).toEqual([]);
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();
      // Echoed nowhere: the refused key is in no answer or log.
      expectNoKeysIn([unsupported.text, wrong.text, ...h.logs]);
    });

    it('answers 413 past 1000 tokens or the body limit, 405 for another method, 429 past LFK_REPORT_RATE_LIMIT', async () => {
      expect(
        (await h.post(REVOKE, revocations(Array.from({ length: 1001 }, () => ({ token: 'x' }))), auth())).status,
      ).toBe(413);
      expect(
        (await h.post(REVOKE, JSON.stringify([{ type: LFK_TYPE, token: 'x'.repeat(9 * 1024 * 1024) }]), auth())).status,
      ).toBe(413);
      const wrongMethod = await get(REVOKE, auth());
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('POST');
      const postToList = await h.post(TYPES, '[]', auth());
      expect(postToList.status).toBe(405);
      // 30 a minute (the harness's LFK_REPORT_RATE_LIMIT), counted with or without the token.
      let last = await get(TYPES, auth());
      for (let index = 0; index < 30 && last.status !== 429; index++) last = await get(TYPES, auth('guess'));
      expect(last.status).toBe(429);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await h.deliveries()).toEqual([]);
    });

    it('answers 503 naming LFK_GITLAB_REVOCATION_TOKEN when it is unset', async () => {
      const unset = await createWebhookHarness(dialect, { settings: { gitlabRevocationToken: undefined } });
      try {
        const listed = await unset.webhooks.app.request(TYPES, { headers: auth() });
        for (const response of [
          await unset.post(REVOKE, '[]', auth()),
          { status: listed.status, body: (await listed.json()) as any },
        ]) {
          expectNotConfigured(response, 'LFK_GITLAB_REVOCATION_TOKEN');
        }
      } finally {
        await unset.close();
      }
    });

    it('loses nothing while a key service that runs apart is down, and revokes once it is back', async () => {
      const { remote, keyServiceUp } = await webhooksApart(dialect, h, { gitlabRevocationToken: REVOCATION_TOKEN });
      const { key } = await h.createAccountWithKey();
      expect((await remote.post(REVOKE, revocations([{ token: key.key }]), auth())).status).toBe(204);
      await remote.drain();
      await expectWaitingForKeyService(remote, h, key.id);
      await keyServiceUp();
      await remote.retryNow();
      expect(await remote.drain()).toBe(1);
      expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:gitlab');
    });
  });
});

describe('lfk serve with the GitLab settings', () => {
  it('takes LFK_GITLAB_REVOCATION_TOKEN from the environment, and answers 503 naming the settings left unset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lfk-gitlab-'));
    const server = await startLfkServer({
      LFK_DATABASE_URL: `sqlite:${join(dir, 'lfk.db')}`,
      LFK_LOG_LEVEL: 'warn',
      LFK_GITLAB_REVOCATION_TOKEN: REVOCATION_TOKEN,
    });
    try {
      const listed = await fetch(`${server.url}${TYPES}`, { headers: auth() });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { types: string[] }).types).toContain(LFK_TYPE);
      expect((await fetch(`${server.url}${TYPES}`)).status).toBe(401);
      const revoke = await fetch(`${server.url}${REVOKE}`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: revocations([{ token: unknownKey() }]),
      });
      expect(revoke.status).toBe(204);
      const partner = await fetch(`${server.url}${PARTNER}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[]',
      });
      expect(partner.status).toBe(503);
      expect(await partner.text()).toContain('LFK_GITLAB_PUBLIC_KEYS_URL');
    } finally {
      expect(await server.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
