// `/healthz`, `/readyz` (with the database up and down) and `/openapi.json`.
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../key-service/http/app.js';
import { createLogger } from '../../../platform/logger.js';
import { KeyService } from '../../../key-service/service/key-service.js';
import { openStore } from '../../../platform/database/database.js';
import { DIALECTS, POSTGRES_URL } from '../../support/databases.js';
import { createHarness, type Harness } from '../../support/harness.js';
import {
  ApiClient,
  expectError,
  expectNoKeyLeaks,
  expectStatus,
  unknownKey,
  useRouteHarness,
} from '../../support/http.js';

/** Every /v1 route lfk serves (docs/key-service.md#routes), with its methods. */
const V1_ROUTES: Record<string, string[]> = {
  '/v1/usage': ['get'],
  '/v1/jobs': ['post'],
  '/v1/jobs/{id}': ['get'],
  '/v1/keys': ['get', 'post'],
  '/v1/keys/{id}': ['get'],
  '/v1/keys/{id}/revoke': ['post'],
  '/v1/keys/{id}/roll': ['post'],
  '/v1/keys/verify': ['post'],
  '/v1/audit-log': ['get'],
  '/v1/account': ['get', 'patch'],
  '/v1/exposures': ['post'],
};

describe.each(DIALECTS)('health and the API description on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;

  useRouteHarness(dialect, {}, (made) => {
    ({ h, api } = made);
  });

  it('GET /healthz answers 200 with no key', async () => {
    const response = await api.get('/healthz');
    expectStatus(response, 200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 while the database answers', async () => {
    const response = await api.get('/readyz');
    expectStatus(response, 200);
    expect(response.body).toMatchObject({ status: 'ok', database: dialect });
  });

  it('an unknown route is a 404 not_found in the error shape', async () => {
    expectError(await api.get('/v1/nothing-here'), 404, 'not_found');
    expectError(await api.get('/nowhere'), 404, 'not_found');
  });

  it('never echoes a full key sent in the path of an unknown route', async () => {
    const tenant = await h.createTenant();
    for (const path of [
      `/v1/${tenant.enrichment.key}`,
      `/v1/keys/${tenant.enrichment.key}/revoke`,
      `/${tenant.enrichment.key}`,
    ]) {
      const response = await api.get(path, tenant.admin.key);
      expectError(response, 404, 'not_found');
      expect(response.text).not.toContain(tenant.enrichment.key);
    }
  });

  it('never echoes a full key sent as the X-Request-Id', async () => {
    const tenant = await h.createTenant();
    const response = await api.get('/v1/usage', undefined, { 'x-request-id': tenant.enrichment.key });
    expectError(response, 401, 'missing_api_key');
    expect(response.headers.get('x-request-id')).not.toContain(tenant.enrichment.key);
    expect(response.text).not.toContain(tenant.enrichment.key);
  });

  it('keeps a caller’s well-formed X-Request-Id and replaces an unusable one', async () => {
    const kept = await api.get('/v1/usage', undefined, { 'x-request-id': 'trace-1234-abcd' });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234-abcd');
    const replaced = await api.get('/v1/usage', undefined, { 'x-request-id': 'bad id <script>' });
    expect(replaced.headers.get('x-request-id')).not.toContain('<');
    const a = await api.get('/healthz');
    const b = await api.get('/healthz');
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('GET /openapi.json is OpenAPI 3.1 listing every /v1 route with its methods', async () => {
    const response = await api.get('/openapi.json');
    expectStatus(response, 200);
    expect(response.body.openapi).toMatch(/^3\.1\./);
    expect(response.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const paths = response.body.paths as Record<string, Record<string, unknown>>;
    const listed = Object.fromEntries(
      Object.entries(paths)
        .filter(([path]) => path.startsWith('/v1/'))
        .map(([path, item]) => [
          path,
          Object.keys(item)
            .filter((name) => ['get', 'post', 'put', 'patch', 'delete'].includes(name))
            .sort(),
        ]),
    );
    expect(listed).toEqual(
      Object.fromEntries(Object.entries(V1_ROUTES).map(([path, methods]) => [path, [...methods].sort()])),
    );
    expect(Object.keys(response.body.components.securitySchemes).sort()).toEqual([
      'apiKeyHeader',
      'bearerAuth',
      'sessionCookie',
    ]);
    // Webhook receivers are not part of the /v1 API: they are documented in docs/webhooks.md.
    expect(Object.keys(paths).filter((path) => !path.startsWith('/v1/'))).toEqual([]);
    expect(paths['/v1/keys']!.post).toMatchObject({ responses: { 201: expect.anything() } });
    expect(paths['/v1/jobs']!.post).toMatchObject({ responses: { 202: expect.anything() } });
    expect(paths['/v1/keys/{id}/roll']!.post).toMatchObject({ responses: { 201: expect.anything() } });
  });
});

describe('the database down', () => {
  it.runIf(DIALECTS.includes('sqlite'))('on SQLite, /readyz stays 200 (the database is a file)', async () => {
    const h = await createHarness('sqlite');
    const api = new ApiClient(h);
    expectStatus(await api.get('/readyz'), 200);
    await h.close();
  });

  it.skipIf(!POSTGRES_URL)(
    'on an unreachable PostgreSQL: /readyz and an authenticated route answer 503 service_unavailable',
    async () => {
      const store = await openStore('postgres://postgres@127.0.0.1:1/none', { migrate: false });
      const logs: string[] = [];
      const service = new KeyService(store);
      const app = createApiApp({ service, logger: createLogger('debug', (line) => logs.push(line)) });
      const api = new ApiClient({ app });
      try {
        expectStatus(await api.get('/healthz'), 200);
        const ready = await api.get('/readyz');
        expectError(ready, 503, 'service_unavailable');
        expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
        const key = unknownKey();
        for (const response of [
          await api.get('/v1/usage', key),
          await api.get('/v1/keys', key),
          await api.post('/v1/exposures', { keys: [key] }),
          await api.post('/v1/keys/verify', { keys: [key] }),
        ]) {
          expectError(response, 503, 'service_unavailable');
        }
        // A malformed key never reaches the database: still the plain 401.
        expectError(await api.get('/v1/usage', 'lfk_sk_nope'), 401, 'invalid_api_key');
        expectNoKeyLeaks(api, logs);
        expect(logs.some((line) => line.includes('"level":"error"'))).toBe(false);
      } finally {
        await store.close();
      }
    },
  );

  it.skipIf(!POSTGRES_URL)('on PostgreSQL after the pool closed: 503, not a crash or a 500', async () => {
    const h = await createHarness('postgres');
    const api = new ApiClient(h);
    const tenant = await h.createTenant();
    expectStatus(await api.get('/v1/usage', tenant.enrichment.key), 200);
    await h.store.close();
    h.service.forgetCachedKeys();
    expectError(await api.get('/readyz'), 503, 'service_unavailable');
    expectError(await api.get('/v1/usage', tenant.enrichment.key), 503, 'service_unavailable');
    expectError(
      await api.post('/v1/keys', { name: 'While down', scopes: ['keys:manage'] }, tenant.manager.key),
      503,
      'service_unavailable',
    );
    expectNoKeyLeaks(api, h.logs);
    await h.database.drop();
  });
});
