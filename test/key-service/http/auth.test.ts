// Who may call the /v1 routes, and what every refusal looks like (docs/key-service.md#authentication).
import { describe, expect, it } from 'vitest';
import { INVALID_KEY_MESSAGE } from '../../../platform/errors.js';
import { DIALECTS } from '../../support/databases.js';
import type { Harness } from '../../support/harness.js';
import {
  type ApiClient,
  BAD_CHECKSUM_KEY,
  expectError,
  expectNoChange,
  expectStatus,
  expireKey,
  type Tenant,
  unknownKey,
  useRouteTenants,
} from '../../support/http.js';

/** Every route that needs a key, with a body that would be accepted. */
const AUTHENTICATED_ROUTES: [string, string, unknown?][] = [
  ['GET', '/v1/usage'],
  ['POST', '/v1/jobs', { file_url: 'https://example.com/leads.csv' }],
  ['GET', '/v1/jobs/job_0000000000000000000000'],
  ['GET', '/v1/keys'],
  ['POST', '/v1/keys', { name: 'Refused' }],
  ['GET', '/v1/keys/key_0000000000000000000000'],
  ['POST', '/v1/keys/key_0000000000000000000000/revoke', {}],
  ['POST', '/v1/keys/key_0000000000000000000000/roll', {}],
  ['GET', '/v1/audit-log'],
  ['GET', '/v1/account'],
  ['PATCH', '/v1/account', { rotation_period_days: 30 }],
];

describe.each(DIALECTS)('authentication on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;
  let tenant: Tenant;

  useRouteTenants(dialect, (made) => ({ h, api, tenant } = made));

  it.each(AUTHENTICATED_ROUTES)(
    '%s %s without a key is 401 missing_api_key and changes nothing',
    async (method, path, body) => {
      const response = await expectNoChange(h, () => api.call(method, path, { body }));
      expectError(response, 401, 'missing_api_key');
    },
  );

  it('answers every kind of non-live key with the same 401 invalid_api_key', async () => {
    const revoked = await h.createKey(tenant.accountId, { name: 'Revoked' });
    await h.service.revokeKey(tenant.accountId, revoked.id, undefined, { actor: { type: 'system' } });
    const expired = await h.createKey(tenant.accountId, { name: 'Expired' });
    await expireKey(h, expired);
    const cases: Record<string, Record<string, string>> = {
      unknown: { authorization: `Bearer ${unknownKey()}` },
      revoked: { authorization: `Bearer ${revoked.key}` },
      expired: { authorization: `Bearer ${expired.key}` },
      'bad checksum': { authorization: `Bearer ${BAD_CHECKSUM_KEY}` },
      malformed: { authorization: 'Bearer lfk_sk_tooShort' },
      'Basic scheme': { authorization: `Basic ${Buffer.from(`user:${tenant.enrichment.key}`).toString('base64')}` },
      'Basic scheme with a live key': { authorization: `Basic ${tenant.enrichment.key}` },
      'scheme only': { authorization: 'Bearer' },
      'empty Authorization': { authorization: '' },
      'empty X-API-Key': { 'x-api-key': '' },
      'unknown X-API-Key': { 'x-api-key': unknownKey() },
      'revoked X-API-Key': { 'x-api-key': revoked.key },
    };
    const messages = new Set<string>();
    for (const [name, headers] of Object.entries(cases)) {
      for (const path of ['/v1/usage', '/v1/keys']) {
        const response = await api.call('GET', path, { headers });
        expect(response.status, `${name} on ${path}`).toBe(401);
        expectError(response, 401, 'invalid_api_key', INVALID_KEY_MESSAGE);
        messages.add(response.body.error.message);
      }
    }
    expect(messages.size).toBe(1);
  });

  it('refuses a dead key on a write route without changing anything', async () => {
    const revoked = await h.createKey(tenant.accountId, { name: 'Revoked manager', scopes: ['keys:manage'] });
    await h.service.revokeKey(tenant.accountId, revoked.id, undefined, { actor: { type: 'system' } });
    const response = await expectNoChange(h, () =>
      api.post('/v1/keys', { name: 'Should not exist', scopes: ['keys:manage'] }, revoked.key),
    );
    expectError(response, 401, 'invalid_api_key');
  });

  it('accepts the scheme word in any case, and X-API-Key alone', async () => {
    const key = tenant.enrichment.key;
    const accepted: Record<string, string>[] = [
      { authorization: `bearer ${key}` },
      { authorization: `BEARER ${key}` },
      { authorization: `Bearer ${key}` },
      { 'x-api-key': key },
    ];
    for (const headers of accepted) {
      expectStatus(await api.call('GET', '/v1/usage', { headers }), 200);
    }
  });

  it('accepts the same key in both headers, and refuses two different keys with 400', async () => {
    const same = await api.call('GET', '/v1/usage', {
      headers: { authorization: `Bearer ${tenant.enrichment.key}`, 'x-api-key': tenant.enrichment.key },
    });
    expectStatus(same, 200);
    const other = await h.createKey(tenant.accountId, { name: 'Second enrichment' });
    const differing = await api.call('GET', '/v1/usage', {
      headers: { authorization: `Bearer ${tenant.enrichment.key}`, 'x-api-key': other.key },
    });
    expectError(differing, 400, 'conflicting_credentials');
    const refusedWrite = await expectNoChange(h, () =>
      api.call('POST', '/v1/keys', {
        body: { name: 'Conflicted', scopes: ['keys:manage'] },
        headers: { authorization: `Bearer ${tenant.manager.key}`, 'x-api-key': other.key },
      }),
    );
    expectError(refusedWrite, 400, 'conflicting_credentials');
  });

  it('checks scopes: 403 insufficient_scope either way, and neither scope implies the other', async () => {
    for (const [method, path, body] of AUTHENTICATED_ROUTES) {
      const enrichmentRoute = path.startsWith('/v1/usage') || path.startsWith('/v1/jobs');
      const wrongKey = enrichmentRoute ? tenant.manager.key : tenant.enrichment.key;
      const response = await expectNoChange(h, () => api.call(method, path, { key: wrongKey, body }));
      expectError(response, 403, 'insufficient_scope');
    }
  });

  it('lets a key without keys:manage mint nothing', async () => {
    const response = await expectNoChange(h, () =>
      api.post('/v1/keys', { name: 'Escalation', scopes: ['enrichment'] }, tenant.enrichment.key),
    );
    expectError(response, 403, 'insufficient_scope');
  });

  it('takes a revocation through the route into effect on the very next request', async () => {
    const created = await api.post('/v1/keys', { name: 'Short-lived', scopes: ['enrichment'] }, tenant.admin.key);
    expectStatus(created, 201);
    expectStatus(await api.get('/v1/usage', created.body.key), 200);
    expectStatus(await api.get('/v1/usage', created.body.key), 200);
    expectStatus(await api.post(`/v1/keys/${created.body.id}/revoke`, {}, tenant.manager.key), 200);
    expectError(await api.get('/v1/usage', created.body.key), 401, 'invalid_api_key');
    expectError(
      await api.post('/v1/jobs', { file_url: 'https://example.com/a.csv' }, created.body.key),
      401,
      'invalid_api_key',
    );
  });

  it('takes an exposure report into effect on the very next request', async () => {
    const created = await api.post('/v1/keys', { name: 'Leaked', scopes: ['enrichment'] }, tenant.admin.key);
    expectStatus(created, 201);
    expectStatus(await api.get('/v1/usage', created.body.key), 200);
    const report = await api.post('/v1/exposures', {
      keys: [created.body.key],
      source: { kind: 'scanner', url: 'https://github.com/acme/app' },
    });
    expectStatus(report, 200);
    expect(report.body.results).toEqual([
      { display: created.body.display, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), status: 'revoked' },
    ]);
    expectError(await api.get('/v1/usage', created.body.key), 401, 'invalid_api_key');
  });
});
