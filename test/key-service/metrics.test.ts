// `/metrics`: who may read it, and that it counts what operators watch.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../cli/server.js';
import { serverSettings } from '../../cli/settings.js';
import { createLogger } from '../../platform/logger.js';
import { MetricsRegistry } from '../../platform/metrics.js';
import { registerBackfillMetrics, registerQueueMetrics } from '../../platform/queue/queue-stats.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite', { api: { metricsToken: 'metrics-secret-token' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses a missing or wrong token', async () => {
    expect((await h.app.request('/metrics')).status).toBe(401);
    const wrong = await h.app.request('/metrics', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.code).toBe('unauthenticated');
  });

  it('counts requests by route, auth failures by code, revocations by reason and cache hits', async () => {
    const tenant = await h.createTenant();
    const auth = { authorization: `Bearer ${tenant.enrichment.key}` };
    expect((await h.app.request('/v1/usage', { headers: auth })).status).toBe(200);
    expect((await h.app.request('/v1/usage', { headers: auth })).status).toBe(200);
    expect((await h.app.request('/v1/usage')).status).toBe(401);
    expect(
      (
        await h.app.request('/v1/usage', {
          headers: { authorization: 'Bearer lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0' },
        })
      ).status,
    ).toBe(401);
    const revoke = await h.app.request(`/v1/keys/${tenant.enrichment.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.manager.key}` },
    });
    expect(revoke.status).toBe(200);

    const response = await h.app.request('/metrics', { headers: { authorization: 'Bearer metrics-secret-token' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('lfk_http_request_duration_seconds_count{method="GET",route="/v1/usage",status="200"} 2');
    expect(text).toContain('lfk_http_request_duration_seconds_count{method="GET",route="/v1/usage",status="401"} 2');
    expect(text).toContain('lfk_auth_failures_total{code="missing_api_key"} 1');
    expect(text).toContain('lfk_auth_failures_total{code="invalid_api_key"} 1');
    expect(text).toContain('lfk_key_revocations_total{reason="user"} 1');
    expect(text).toMatch(/lfk_key_cache_hits_total \d+/);
    expect(text).not.toContain(tenant.enrichment.key);
  });
});

describe('GET /metrics without a token', () => {
  it('answers 403 to a client that is not on loopback', async () => {
    const h = await createHarness('sqlite');
    try {
      const response = await h.app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '203.0.113.5' } } });
      expect(response.status).toBe(403);
      const forwarded = await h.app.request(
        '/metrics',
        { headers: { 'x-forwarded-for': '127.0.0.1' } },
        { incoming: { socket: { remoteAddress: '203.0.113.5' } } },
      );
      expect(forwarded.status).toBe(403);
      const local = await h.app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '127.0.0.1' } } });
      expect(local.status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

// DNS rebinding: a page on evil.example, once the name resolves to 127.0.0.1, is same-origin with
// the local server and reads what it answers. The browser still sends `Host: evil.example`.
describe('GET /metrics without a token, by Host', () => {
  const LOCAL = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite', { api: { publicUrl: 'https://keys.example.com' } });
  });
  afterAll(async () => {
    await h.close();
  });
  const withHost = (host: string) => h.app.request('/metrics', { headers: { host } }, LOCAL);

  it.each([
    'evil.example',
    'evil.example:8080',
    'localhost.evil.example',
    '127.0.0.1.nip.io',
    'keys.example.com.evil.example',
    'example.com',
    'not a host',
    '',
  ])('refuses Host: %j from loopback with 403 forbidden', async (host) => {
    const refused = await withHost(host);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as any;
    expect(body.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Host/) });
    expect(JSON.stringify(body)).not.toContain('lfk_http_request_duration_seconds');
  });

  it('refuses a request whose URL names another host, whatever its Host header', async () => {
    expect((await h.app.request('http://evil.example/metrics', {}, LOCAL)).status).toBe(403);
    expect((await h.app.request('http://evil.example/metrics', { headers: { host: 'localhost' } }, LOCAL)).status).toBe(
      403,
    );
  });

  it.each([
    '127.0.0.1:8080',
    '127.0.0.1',
    'localhost',
    'localhost:8080',
    'LOCALHOST:9',
    '[::1]:8080',
    '[::1]',
    'keys.example.com',
    'Keys.Example.com:443',
  ])('answers Host: %s from loopback', async (host) => {
    const answered = await withHost(host);
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('lfk_http_request_duration_seconds');
  });

  it('still refuses a client that is not on loopback, whatever its Host', async () => {
    expect(
      (
        await h.app.request(
          '/metrics',
          { headers: { host: 'localhost' } },
          { incoming: { socket: { remoteAddress: '203.0.113.5' } } },
        )
      ).status,
    ).toBe(403);
  });

  it('with a metrics token, answers a scraper under any name (a rebinding page cannot know the token)', async () => {
    const tokened = await createHarness('sqlite', { api: { metricsToken: 'metrics-secret-token' } });
    try {
      const scraped = await tokened.app.request('/metrics', {
        headers: { host: 'lfk-1.internal:8080', authorization: 'Bearer metrics-secret-token' },
      });
      expect(scraped.status).toBe(200);
      expect((await tokened.app.request('/metrics', { headers: { host: 'evil.example' } })).status).toBe(401);
    } finally {
      await tokened.close();
    }
  });
});

describe('GET /metrics on `lfk serve`, by the Host header sent over the socket', () => {
  let database: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const settings = serverSettings(
      { LFK_DATABASE_URL: database.url, LFK_PUBLIC_URL: 'https://keys.example.com/' },
      { port: '0', host: '127.0.0.1' },
    );
    server = await startServer(settings, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  /** A GET over a real connection with this exact Host header (fetch would send the URL's). */
  const get = (host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const sent = httpRequest(
        { host: '127.0.0.1', port: server.port, path: '/metrics', headers: { host } },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      sent.on('error', reject);
      sent.end();
    });

  it('refuses Host: evil.example (a rebound name) with 403 and the JSON error', async () => {
    const refused = await get('evil.example');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('forbidden');
    expect((await get(`evil.example:${server.port}`)).status).toBe(403);
  });

  it('answers Host: 127.0.0.1:<port>, localhost and the host of LFK_PUBLIC_URL', async () => {
    for (const host of [
      `127.0.0.1:${server.port}`,
      '127.0.0.1:8080',
      'localhost',
      `localhost:${server.port}`,
      `[::1]:${server.port}`,
      'keys.example.com',
    ]) {
      const answered = await get(host);
      expect(answered.status, host).toBe(200);
      expect(answered.body).toContain('lfk_http_request_duration_seconds');
    }
  });
});

describe('queue metrics', () => {
  it('shows the depth, age and failures of the webhook inbox and the notice outbox', async () => {
    const h = await createHarness('sqlite');
    try {
      const registry = new MetricsRegistry();
      registerQueueMetrics(registry, h.store);
      const empty = await registry.render();
      expect(empty).toContain('lfk_inbox_depth 0');
      expect(empty).toContain('lfk_outbox_oldest_age_seconds 0');
      const base = {
        provider: 'github',
        event: 'push',
        payload: '{}',
        attempts: 0,
        locked_until: null,
        last_error: null,
        result: null,
        processed_at: null,
      };
      const old = new Date(Date.now() - 120_000).toISOString();
      await h.store.db
        .insertInto('webhook_deliveries')
        .values([
          { ...base, id: 'dlv_1', dedup_key: 'a', status: 'pending', next_attempt_at: old, received_at: old },
          { ...base, id: 'dlv_2', dedup_key: 'b', status: 'done', next_attempt_at: old, received_at: old },
          { ...base, id: 'dlv_3', dedup_key: 'c', status: 'failed', next_attempt_at: old, received_at: old },
        ] as never)
        .execute();
      const text = await registry.render();
      expect(text).toContain('lfk_inbox_depth 1');
      expect(text).toContain('lfk_inbox_failed 1');
      const age = Number(/lfk_inbox_oldest_age_seconds ([\d.]+)/.exec(text)?.[1]);
      expect(age).toBeGreaterThanOrEqual(119);
    } finally {
      await h.close();
    }
  });
});

describe('backfill metrics', () => {
  it('counts the history scans by state, every state shown', async () => {
    const h = await createHarness('sqlite');
    try {
      const registry = new MetricsRegistry();
      registerBackfillMetrics(registry, h.store);
      expect(await registry.render()).toContain('lfk_backfill_repositories{state="pending"} 0');
      const at = new Date().toISOString();
      const row = (id: string, status: string) => ({
        id,
        status,
        installation_id: '1',
        repository: `o/${id}`,
        dedup_key: id,
        payload: '{}',
        attempts: 0,
        next_attempt_at: at,
        created_at: at,
      });
      await h.store.db
        .insertInto('github_backfill_jobs')
        .values([row('a', 'pending'), row('b', 'pending'), row('c', 'done'), row('d', 'failed')] as never)
        .execute();
      const text = await registry.render();
      expect(text).toContain('# TYPE lfk_backfill_repositories gauge');
      for (const [state, count] of [
        ['pending', 2],
        ['processing', 0],
        ['done', 1],
        ['failed', 1],
      ])
        expect(text).toContain(`lfk_backfill_repositories{state="${state}"} ${count}`);
    } finally {
      await h.close();
    }
  });
});
