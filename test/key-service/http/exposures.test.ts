// Exposure reports (docs/key-service.md#exposure-reports) and `POST /v1/keys/verify`: anyone may
// call them, holding a key is the proof, and both are rate-limited per client address.
import { describe, expect, it } from 'vitest';
import { hmslHashSync } from '../../../platform/hmsl-hash.js';
import { displayOf, sha256Hex } from '../../../platform/key-format.js';
import { DIALECTS } from '../../support/databases.js';
import type { Harness } from '../../support/harness.js';
import {
  type ApiClient,
  BAD_CHECKSUM_KEY,
  eventsOf,
  expectError,
  expectNoChange,
  expectStatus,
  expireKey,
  keyRow,
  unknownKey,
  useRouteHarness,
} from '../../support/http.js';

const SERVICE_TOKEN = 'svc_0123456789abcdefghijklmnopqrstuv';

describe.each(DIALECTS)('exposure reports and verify on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;

  useRouteHarness(dialect, { api: { serviceToken: SERVICE_TOKEN } }, (made) => {
    ({ h, api } = made);
  });

  describe('POST /v1/exposures', () => {
    it('revokes live keys, in the order sent, without echoing any key', async () => {
      const { accountId, key: live } = await h.createAccountWithKey({ name: 'Pushed to GitHub' });
      const stranger = unknownKey();
      const sent = [live.key, stranger, BAD_CHECKSUM_KEY, 'not a key at all'];
      const source = { kind: 'scanner', url: 'https://github.com/acme/app/blob/main/.env', location: '.env:3' };
      const response = await api.post('/v1/exposures', { keys: sent, source });
      expectStatus(response, 200);
      expect(response.body).toEqual({
        results: [
          { display: live.display, sha256: sha256Hex(live.key), status: 'revoked' },
          { display: displayOf(stranger), sha256: sha256Hex(stranger), status: 'unknown' },
          { display: displayOf(BAD_CHECKSUM_KEY), sha256: sha256Hex(BAD_CHECKSUM_KEY), status: 'invalid' },
          { display: null, sha256: sha256Hex('not a key at all'), status: 'invalid' },
        ],
      });
      expect(await keyRow(h, live.id)).toMatchObject({
        revoked_reason: 'exposed:scanner',
        revoked_at: expect.any(String),
      });
      const [exposed] = await eventsOf(h, accountId, 'key.exposed');
      expect(exposed).toMatchObject({ key_id: live.id, actor_type: 'reporter' });
      expect(JSON.parse(exposed!.data)).toMatchObject({
        source: 'scanner',
        url: source.url,
        location: source.location,
      });
      expectError(await api.get('/v1/usage', live.key), 401, 'invalid_api_key');
    });

    it('uses reason exposed:report for any other source, and with no source at all', async () => {
      const { accountId } = await h.createAccount();
      const withSource = await h.createKey(accountId, { name: 'Other' });
      const withoutSource = await h.createKey(accountId, { name: 'Anonymous' });
      expectStatus(
        await api.post('/v1/exposures', {
          keys: [withSource.key],
          source: { kind: 'other', url: 'https://pastebin.example/x' },
        }),
        200,
      );
      expectStatus(await api.post('/v1/exposures', { keys: [withoutSource.key] }), 200);
      expect((await keyRow(h, withSource.id)).revoked_reason).toBe('exposed:report');
      expect((await keyRow(h, withoutSource.id)).revoked_reason).toBe('exposed:report');
    });

    it('replayed: already_revoked, two key.exposed events, one revocation', async () => {
      const { accountId, key: live } = await h.createAccountWithKey({ name: 'Reported twice' });
      const body = { keys: [live.key], source: { kind: 'github', url: 'https://github.com/acme/app' } };
      const first = await api.post('/v1/exposures', body);
      const second = await api.post('/v1/exposures', body);
      expect(first.body.results[0].status).toBe('revoked');
      expect(second.body.results[0]).toEqual({
        display: live.display,
        sha256: sha256Hex(live.key),
        status: 'already_revoked',
      });
      expect(await eventsOf(h, accountId, 'key.exposed')).toHaveLength(2);
      expect(await eventsOf(h, accountId, 'key.revoked')).toHaveLength(1);
    });

    it('replayed concurrently: one revoked, one already_revoked, one revocation', async () => {
      const { accountId, key: live } = await h.createAccountWithKey({ name: 'Reported at once' });
      const body = { keys: [live.key], source: { kind: 'scanner' } };
      const answers = await Promise.all([api.post('/v1/exposures', body), api.post('/v1/exposures', body)]);
      expect(answers.map((answer) => answer.body.results[0].status).sort()).toEqual(['already_revoked', 'revoked']);
      expect(await eventsOf(h, accountId, 'key.exposed')).toHaveLength(2);
      expect(await eventsOf(h, accountId, 'key.revoked')).toHaveLength(1);
    });

    it('takes up to 1000 keys and refuses 1001, changing nothing', async () => {
      const { key: live } = await h.createAccountWithKey({ name: 'In a big report' });
      const many = Array.from({ length: 1000 }, (_, index) => (index === 0 ? live.key : `not-a-key-${index}`));
      const refused = await expectNoChange(h, () => api.post('/v1/exposures', { keys: [...many, 'one too many'] }));
      expectError(refused, 400, 'invalid_request', /keys/);
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();
      const accepted = await api.post('/v1/exposures', { keys: many });
      expectStatus(accepted, 200);
      expect(accepted.body.results).toHaveLength(1000);
      expect(accepted.body.results[0].status).toBe('revoked');
    });

    it('needs exactly one of keys and hmsl_hashes, and a known source kind', async () => {
      const { key: live } = await h.createAccountWithKey({ name: 'Untouched' });
      const bodies = [
        {},
        { source: { kind: 'scanner' } },
        { keys: [live.key], hmsl_hashes: [hmslHashSync(live.key)] },
        { keys: [] },
        { keys: [live.key], source: { kind: 'twitter' } },
        { keys: [live.key], source: { kind: 'other', author: 'me' } },
        { keys: [live.key], source: 'scanner' },
      ];
      for (const body of bodies) {
        const response = await expectNoChange(h, () =>
          api.post('/v1/exposures', body, undefined, { authorization: `Bearer ${SERVICE_TOKEN}` }),
        );
        expectError(response, 400, 'invalid_request');
      }
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();
    });

    it('takes sha256s each with its own source (one request for a whole push), only with the service token and one source per hash', async () => {
      const { accountId } = await h.createAccount();
      const [a, b] = [await h.createKey(accountId, { name: 'In a' }), await h.createKey(accountId, { name: 'In b' })];
      const sources = [
        { kind: 'github', url: 'https://github.com/o/r/blob/abc/a.env#L1', location: 'o/r:a.env:1 (abc)' },
        { kind: 'github', url: 'https://github.com/o/r/blob/abc/b.env#L7', location: 'o/r:b.env:7 (abc)' },
      ];
      const body = { sha256s: [sha256Hex(a.key), sha256Hex(b.key)], sources, reason: 'exposed:github-app' };
      expectError(await expectNoChange(h, () => api.post('/v1/exposures', body)), 401, 'unauthenticated');
      for (const bad of [
        { ...body, sources: [sources[0]] },
        { keys: [a.key], sources },
        { hmsl_hashes: [hmslHashSync(a.key)], sources },
      ]) {
        expectError(
          await expectNoChange(h, () =>
            api.post('/v1/exposures', bad, undefined, { authorization: `Bearer ${SERVICE_TOKEN}` }),
          ),
          400,
          'invalid_request',
        );
      }
      expectStatus(await api.post('/v1/exposures', body, undefined, { authorization: `Bearer ${SERVICE_TOKEN}` }), 200);
      const exposed = await eventsOf(h, accountId, 'key.exposed');
      const places = exposed.map((event) => ({
        name: event.key_name,
        ...(JSON.parse(event.data) as { url: string; location: string }),
      }));
      expect(places.map((place) => [place.name, place.url, place.location]).sort()).toEqual(
        sources.map((source, index) => [['In a', 'In b'][index], source.url, source.location]),
      );
    });

    it('accepts hmsl_hashes only with Authorization: Bearer <LFK_SERVICE_TOKEN>', async () => {
      const { key: live } = await h.createAccountWithKey({ name: 'Found by GitGuardian' });
      const body = {
        hmsl_hashes: [hmslHashSync(live.key)],
        source: { kind: 'gitguardian', url: 'https://dashboard.gitguardian.com/incidents/1' },
      };
      const refused: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-token' },
        { authorization: `Basic ${SERVICE_TOKEN}` },
        { 'x-api-key': SERVICE_TOKEN },
        { authorization: `Bearer ${live.key}` },
      ];
      for (const headers of refused) {
        const response = await expectNoChange(h, () => api.call('POST', '/v1/exposures', { body, headers }));
        expectError(response, 401, 'unauthenticated');
      }
      const unknownHash = 'ab'.repeat(32);
      const accepted = await api.post(
        '/v1/exposures',
        { ...body, hmsl_hashes: [...body.hmsl_hashes, unknownHash, 'not-a-hash'] },
        undefined,
        {
          authorization: `bearer ${SERVICE_TOKEN}`,
        },
      );
      expectStatus(accepted, 200);
      expect(accepted.body).toEqual({
        results: [
          { hmsl_hash: hmslHashSync(live.key), status: 'revoked' },
          { hmsl_hash: unknownHash, status: 'unknown' },
          { hmsl_hash: 'not-a-hash', status: 'invalid' },
        ],
      });
      expect((await keyRow(h, live.id)).revoked_reason).toBe('exposed:gitguardian');
      expectError(await api.get('/v1/usage', live.key), 401, 'invalid_api_key');
    });
  });

  describe('POST /v1/keys/verify', () => {
    it('tells each key’s status, in order, with no side effect', async () => {
      const { accountId } = await h.createAccount();
      const active = await h.createKey(accountId, { name: 'Active' });
      const revoked = await h.createKey(accountId, { name: 'Revoked' });
      await h.service.revokeKey(accountId, revoked.id, undefined, { actor: { type: 'system' } });
      const expired = await h.createKey(accountId, { name: 'Expired' });
      await expireKey(h, expired);
      const stranger = unknownKey();
      const sent = [active.key, expired.key, revoked.key, stranger, BAD_CHECKSUM_KEY, 'hello'];
      const response = await expectNoChange(h, () => api.post('/v1/keys/verify', { keys: sent }));
      expectStatus(response, 200);
      expect(response.body).toEqual({
        results: [
          { display: active.display, sha256: sha256Hex(active.key), status: 'active' },
          { display: expired.display, sha256: sha256Hex(expired.key), status: 'expired' },
          { display: revoked.display, sha256: sha256Hex(revoked.key), status: 'revoked' },
          { display: displayOf(stranger), sha256: sha256Hex(stranger), status: 'unknown' },
          { display: displayOf(BAD_CHECKSUM_KEY), sha256: sha256Hex(BAD_CHECKSUM_KEY), status: 'invalid' },
          { display: null, sha256: sha256Hex('hello'), status: 'invalid' },
        ],
      });
      expectStatus(await api.get('/v1/usage', active.key), 200);
    });

    it('refuses 1001 keys, no keys, and unknown fields', async () => {
      for (const body of [
        { keys: Array.from({ length: 1001 }, () => 'x') },
        { keys: [] },
        {},
        { keys: ['x'], source: { kind: 'scanner' } },
      ]) {
        expectError(await expectNoChange(h, () => api.post('/v1/keys/verify', body)), 400, 'invalid_request');
      }
    });
  });
});

describe.each(DIALECTS)('rate limits of the report routes on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;

  useRouteHarness(dialect, { api: { reportRateLimit: 3, trustProxy: true } }, (made) => {
    ({ h, api } = made);
  });

  it('refuses hash reports outright when no LFK_SERVICE_TOKEN is configured', async () => {
    const { key: live } = await h.createAccountWithKey({ name: 'No token configured' });
    for (const authorization of ['Bearer ', 'Bearer undefined', `Bearer ${live.key}`]) {
      const response = await expectNoChange(h, () =>
        api.post('/v1/exposures', { hmsl_hashes: [hmslHashSync(live.key)] }, undefined, {
          authorization,
          'x-forwarded-for': '192.0.2.50',
        }),
      );
      expectError(response, 401, 'unauthenticated');
    }
  });

  it.each(['/v1/exposures', '/v1/keys/verify'])(
    '%s: the 4th request from one address is 429 with Retry-After; another address still passes',
    async (path) => {
      const { key: live } = await h.createAccountWithKey({ name: `Rate ${path}` });
      // The proxy appends the address it saw; what comes before is the client's own (here a forged hop).
      const from = (address: string) => ({ 'x-forwarded-for': `10.0.0.1, ${address}` });
      for (let attempt = 0; attempt < 3; attempt++)
        expectStatus(await api.post(path, { keys: [unknownKey()] }, undefined, from('203.0.113.7')), 200);
      const limited = await expectNoChange(h, () =>
        api.post(path, { keys: [live.key] }, undefined, from('203.0.113.7')),
      );
      expectError(limited, 429, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();
      expectStatus(await api.post(path, { keys: [unknownKey()] }, undefined, from('198.51.100.9')), 200);
    },
  );
});

describe('the default rate limit of the report routes', () => {
  let h: Harness;
  let api: ApiClient;
  useRouteHarness('sqlite', {}, (made) => {
    ({ h, api } = made);
  });

  it.each(['/v1/keys/verify', '/v1/exposures'])('%s: 60 requests a minute from one address, then 429', async (path) => {
    for (let attempt = 0; attempt < 60; attempt++) expectStatus(await api.post(path, { keys: ['not-a-key'] }), 200);
    const limited = await expectNoChange(h, () => api.post(path, { keys: ['not-a-key'] }));
    expectError(limited, 429, 'rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
