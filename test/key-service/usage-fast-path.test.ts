// GET /v1/usage answers a cached key before routing: the answer must be the routed one's twin.
import { serve } from '@hono/node-server';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';

describe.each(DIALECTS)('the /v1/usage fast path on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  const get = (headers: Record<string, string>) => h.app.request('/v1/usage', { headers });

  it('answers like the route: same body shape, counts, headers and metrics', async () => {
    const tenant = await h.createTenant();
    const auth = { 'x-api-key': tenant.enrichment.key };
    const routed = await get(auth); // not cached yet: through the routes
    const fast = await get(auth); // cached now: before routing
    for (const response of [routed, fast]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
    }
    const first = (await routed.json()) as any;
    const second = (await fast.json()) as any;
    expect(Object.keys(second)).toEqual(Object.keys(first));
    expect(second.key).toMatchObject({ id: tenant.enrichment.id, requests: 2 });
    expect(second.account.requests).toBe(2);
    const metrics = await h.app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '127.0.0.1' } } });
    expect(await metrics.text()).toContain('lfk_http_request_duration_seconds_count{method="GET",route="/v1/usage",status="200"} 2');
  });

  it('leaves every refusal to the route, and a revocation is seen on the next request', async () => {
    const tenant = await h.createTenant();
    expect((await get({ authorization: `Bearer ${tenant.enrichment.key}` })).status).toBe(200);
    expect((await get({ authorization: `Bearer ${tenant.enrichment.key}` })).status).toBe(200);
    const conflict = await get({ authorization: `Bearer ${tenant.enrichment.key}`, 'x-api-key': tenant.manager.key });
    expect(conflict.status).toBe(400);
    expect((await get({ authorization: `Bearer ${tenant.manager.key}` })).status).toBe(403);
    const echoed = await get({ authorization: `Bearer ${tenant.enrichment.key}`, 'x-request-id': 'trace-123' });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    await h.service.revokeKey(tenant.accountId, tenant.enrichment.id, undefined, { actor: { type: 'system' } });
    const after = await get({ authorization: `Bearer ${tenant.enrichment.key}` });
    expect(after.status).toBe(401);
    expect(((await after.json()) as any).error.code).toBe('invalid_api_key');
  });

  it('does not take other paths or methods', async () => {
    const tenant = await h.createTenant();
    const auth = { authorization: `Bearer ${tenant.enrichment.key}` };
    await get(auth);
    expect((await h.app.request('/v1/usage/x', { headers: auth })).status).toBe(404);
    expect((await h.app.request('/v1/usagex', { headers: auth })).status).toBe(404);
    expect((await h.app.request('/v1/usage?detail=1', { headers: auth })).status).toBe(200);
    expect((await h.app.request('/v1/usage', { method: 'POST', headers: auth })).status).toBe(404);
  });

  it('over real HTTP (Node\'s parsed headers) answers as the route does, repeated Authorization headers included', async () => {
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    // Raw header pairs, so a header can be sent twice.
    const call = (path: string, rawHeaders: string[]) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers: ['Host', `127.0.0.1:${port}`, ...rawHeaders] }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
        });
        request.on('error', reject);
        request.end();
      });
    try {
      const tenant = await h.createTenant();
      const bearerKey = `Bearer ${tenant.enrichment.key}`;
      for (let i = 0; i < 2; i++) {
        const answer = await call('/v1/usage', ['Authorization', bearerKey]);
        expect(answer.status).toBe(200);
        expect(answer.headers['cache-control']).toBe('no-store');
        expect(JSON.parse(answer.body).key).toMatchObject({ id: tenant.enrichment.id, requests: i + 1 });
      }
      // Node keeps the first of two Authorization headers; the route sees both and refuses.
      const twice = await call('/v1/usage', ['Authorization', bearerKey, 'authorization', bearerKey]);
      expect(twice.status).toBe(401);
      expect(JSON.parse(twice.body).error.code).toBe('invalid_api_key');
      const echoed = await call('/v1/usage?x=1', ['Authorization', bearerKey, 'X-Request-Id', 'trace-456']);
      expect(echoed.status).toBe(200);
      expect(echoed.headers['x-request-id']).toBe('trace-456');
      expect((await call('/v1/usage', ['X-API-Key', tenant.manager.key])).status).toBe(403);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
