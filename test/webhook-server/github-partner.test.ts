// POST /webhooks/github/secret-scanning: signed by GitHub's published keys, stored before the
// answer, the feedback array in the answer, revocation by the inbox worker.
import { beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { sha256Hex } from '../../platform/key-format.js';
import { DIALECTS } from '../support/databases.js';
import { BAD_CHECKSUM_KEY, unknownKey, eventsOf, keyRow } from '../support/http.js';
import { DOCS_BODY, DOCS_KEY_ID, DOCS_PUBLIC_KEY, DOCS_SIGNATURE } from './vectors.js';
import {
  useNoNetwork,
  useWebhookHarness,
  expectNoKeysIn,
  expectNoKeysLoggedOrAudited,
  expectProcessedOnce,
  GITHUB_API,
  PARTNER_KEY_ID,
  partnerKeyPair,
  partnerHeaders,
  type WebhookHarness,
} from './support.js';

const PATH = '/webhooks/github/secret-scanning';
const signer = partnerKeyPair();
const rotated = partnerKeyPair();

function keysResponse(...entries: Array<{ id: string; pem: string; current: boolean }>) {
  return {
    public_keys: entries.map((entry) => ({ key_identifier: entry.id, key: entry.pem, is_current: entry.current })),
  };
}

function signed(body: string, keyId = PARTNER_KEY_ID, privateKey = signer.privateKey) {
  return partnerHeaders(body, privateKey, keyId);
}

function batch(tokens: string[], type = 'trustleads_api_key') {
  return JSON.stringify(
    tokens.map((token, index) => ({
      token,
      type,
      url: `https://github.com/octo/repo/blob/abc/file${index}.txt`,
      source: 'Content',
    })),
  );
}

useNoNetwork();

describe.each(DIALECTS)('partner program receiver on %s', (dialect) => {
  let h: WebhookHarness;
  let keysScope: nock.Scope;

  useWebhookHarness(dialect, (made) => (h = made));
  beforeEach(() => {
    // The current key is listed second and the signing key is not `is_current`: the id decides.
    keysScope = nock(GITHUB_API)
      .get('/meta/public_keys/secret_scanning')
      .reply(
        200,
        keysResponse(
          { id: 'f'.repeat(64), pem: rotated.publicPem, current: true },
          { id: PARTNER_KEY_ID, pem: signer.publicPem, current: false },
        ),
        { etag: '"v1"' },
      );
  });

  it('answers the feedback array, stores the batch without keys, and revokes lfk keys after the answer', async () => {
    const { accountId } = await h.createAccount();
    const live = await h.createKey(accountId, { name: 'Leaked in public' });
    const revoked = await h.createKey(accountId, { name: 'Revoked earlier' });
    await h.service.revokeKey(accountId, revoked.id, undefined, { actor: { type: 'system' } });
    const stranger = unknownKey();
    const tokens = [live.key, revoked.key, stranger, BAD_CHECKSUM_KEY, 'ghp_notours'];
    const body = batch(tokens);
    const response = await h.post(PATH, body, signed(body));
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { token_raw: live.key, token_type: 'trustleads_api_key', label: 'true_positive' },
      { token_raw: revoked.key, token_type: 'trustleads_api_key', label: 'true_positive' },
      { token_hash: sha256Hex(stranger), token_type: 'trustleads_api_key', label: 'false_positive' },
      { token_hash: sha256Hex(BAD_CHECKSUM_KEY), token_type: 'trustleads_api_key', label: 'false_positive' },
      { token_hash: sha256Hex('ghp_notours'), token_type: 'trustleads_api_key', label: 'false_positive' },
    ]);
    // Stored before the answer, still untouched: the key works until the worker runs.
    const [stored] = await h.deliveries();
    expect(stored).toMatchObject({ provider: 'github-partner', status: 'pending' });
    expectNoKeysIn([stored!.payload]);
    expect((await keyRow(h, live.id)).revoked_at).toBeNull();

    expect(await h.drain()).toBe(1);
    expect(await keyRow(h, live.id)).toMatchObject({ revoked_reason: 'exposed:github-partner' });
    expect((await keyRow(h, revoked.id)).revoked_reason).toBe('user');
    const [delivery] = await h.deliveries();
    expect(delivery).toMatchObject({
      status: 'done',
      attempts: 1,
      result: { matches: 3, revoked: 1, already_revoked: 1, unknown: 1 },
    });
    const exposed = await eventsOf(h, accountId, 'key.exposed');
    expect(exposed.map((event) => JSON.parse(event.data).source)).toEqual(['github', 'github']);
    expect(JSON.parse(exposed[0]!.data).url).toBe('https://github.com/octo/repo/blob/abc/file0.txt');
    await expectNoKeysLoggedOrAudited(h);
    keysScope.done();
  });

  it('processes a repeated delivery once', async () => {
    const { accountId, key: live } = await h.createAccountWithKey();
    const body = batch([live.key]);
    expect((await h.post(PATH, body, signed(body))).status).toBe(200);
    expect((await h.post(PATH, body, signed(body))).status).toBe(200);
    await expectProcessedOnce(h, accountId);
  });

  it('echoes the request type and takes the documented sample signed by GitHub', async () => {
    nock.cleanAll();
    const scope = nock(GITHUB_API)
      .get('/meta/public_keys/secret_scanning')
      .reply(200, keysResponse({ id: DOCS_KEY_ID, pem: DOCS_PUBLIC_KEY, current: true }));
    const response = await h.post(PATH, DOCS_BODY, {
      'github-public-key-identifier': DOCS_KEY_ID,
      'github-public-key-signature': DOCS_SIGNATURE,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { token_hash: sha256Hex('some_token'), token_type: 'some_type', label: 'false_positive' },
    ]);
    scope.done();
  });

  it('revalidates with the ETag and fetches again for an unknown identifier (rotation)', async () => {
    const first = batch(['ghp_one']);
    expect((await h.post(PATH, first, signed(first))).status).toBe(200);
    // A new key appears: the cached list does not have it, so it is fetched again (If-None-Match).
    const newer = partnerKeyPair();
    const rotation = nock(GITHUB_API, { reqheaders: { 'if-none-match': '"v1"' } })
      .get('/meta/public_keys/secret_scanning')
      .reply(
        200,
        keysResponse(
          { id: PARTNER_KEY_ID, pem: signer.publicPem, current: false },
          { id: 'e'.repeat(64), pem: newer.publicPem, current: true },
        ),
        { etag: '"v2"' },
      );
    const second = batch(['ghp_two']);
    const response = await h.post(PATH, second, signed(second, 'e'.repeat(64), newer.privateKey));
    expect(response.status).toBe(200);
    rotation.done();
    keysScope.done();
  });

  it('refuses unsigned, wrongly signed, re-signed, truncated and unknown-key requests with 401, storing nothing', async () => {
    const { key: live } = await h.createAccountWithKey();
    const body = batch([live.key]);
    const unsigned = await h.post(PATH, body, {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('invalid_signature');
    expect((await h.post(PATH, body, { 'github-public-key-identifier': PARTNER_KEY_ID })).status).toBe(401);
    expect(
      (
        await h.post(PATH, body, {
          ...signed(body),
          'github-public-key-signature':
            'MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg==',
        })
      ).status,
    ).toBe(401);
    // Signed by another key but naming ours.
    expect((await h.post(PATH, body, signed(body, PARTNER_KEY_ID, rotated.privateKey))).status).toBe(401);
    // Truncated after signing.
    expect((await h.post(PATH, body.slice(0, -10), signed(body))).status).toBe(401);
    // An identifier GitHub does not list (fetched again once, still unknown).
    nock(GITHUB_API).get('/meta/public_keys/secret_scanning').reply(304);
    expect((await h.post(PATH, body, signed(body, 'd'.repeat(64)))).status).toBe(401);
    expect(await h.deliveries()).toEqual([]);
    expect((await keyRow(h, live.id)).revoked_at).toBeNull();
  });

  it('answers 400 for signed non-JSON, an object, or matches without a token; 413 beyond 1000 matches', async () => {
    for (const body of ['not json', '{"token":"x","type":"y"}', '[{"type":"y"}]', '[42]']) {
      const response = await h.post(PATH, body, signed(body));
      expect(response.status, body).toBe(400);
      expect(['invalid_json', 'invalid_request']).toContain(response.body.error.code);
    }
    const many = batch(Array.from({ length: 10_000 }, () => unknownKey()));
    const tooMany = await h.post(PATH, many, signed(many));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('1000') });
    const exactly = batch(Array.from({ length: 1000 }, () => unknownKey()));
    expect((await h.post(PATH, exactly, signed(exactly))).status).toBe(200);
    expect(await h.deliveries()).toHaveLength(1);
  });

  it('answers 503 when GitHub will not give its keys, so GitHub retries', async () => {
    nock.cleanAll();
    nock(GITHUB_API).get('/meta/public_keys/secret_scanning').reply(500);
    const body = batch(['ghp_x']);
    const response = await h.post(PATH, body, signed(body));
    expect(response.status).toBe(503);
    expect(await h.deliveries()).toEqual([]);
  });
});
