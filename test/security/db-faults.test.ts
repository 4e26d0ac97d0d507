// The database on a bad day: unreachable when `lfk serve` starts, gone in the middle of serving
// (PostgreSQL behind a proxy the test cuts), and full (SQLite at its page limit). lfk answers 503
// `service_unavailable` with a request id, never reports a revocation it did not write, never half
// writes one, never answers 2xx to a webhook delivery it could not store, and serves again once the
// database is back, without a restart. Needs `npm run build` (the PostgreSQL part runs the built CLI).
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { KeyService } from '../../key-service/service/key-service.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import type { Store } from '../../key-service/store/database.js';
import { signGitguardian } from '../../webhook-server/verify-gitguardian.js';
import { runLfk, startLfkServer, type ServerProcess } from '../support/cli.js';
import { DIALECTS, POSTGRES_URL, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';
import type { Tenant } from '../support/http.js';
import { newId } from '../../key-service/ids.js';
import { generateKey } from '../../key-service/key-format.js';
import { inProcessReporter } from '../../key-service/exposure-reporter.js';
import { createWebhookServer, type WebhookServer } from '../../webhook-server/webhook-server.js';
import { TcpProxy, throughProxy } from './tcp-proxy.js';

const GG_SECRET = 'gg-signature-token-for-fault-tests';
const PARTNER_KEY_ID = 'fault-test-partner-key';
const partnerKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SYSTEM = { actor: { type: 'system' as const, id: 'test' } };

/** A port nothing listens on: bound, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the database unreachable when lfk serve starts', () => {
  it('exits 2 with a message naming the database (password hidden) when PostgreSQL refuses connections', async () => {
    const port = await unusedPort();
    const result = await runLfk(['serve', '--port', '0'], { env: { LFK_DATABASE_URL: `postgres://lfk:s3cret@127.0.0.1:${port}/lfk` } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`lfk: cannot reach the database (postgres://lfk:***@127.0.0.1:${port}/lfk)`);
    expect(result.stderr).toMatch(/ECONNREFUSED.*Check LFK_DATABASE_URL/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stdout).not.toContain('lfk listening');
  });

  it('exits 2 the same way when a PostgreSQL port accepts the connection and drops it at once', async () => {
    const proxy = await new TcpProxy('127.0.0.1', await unusedPort()).start();
    proxy.cut();
    try {
      const result = await runLfk(['serve', '--port', '0'], { env: { LFK_DATABASE_URL: `postgres://lfk@127.0.0.1:${proxy.port}/lfk` } });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`lfk: cannot reach the database (postgres://lfk@127.0.0.1:${proxy.port}/lfk)`);
    } finally {
      await proxy.close();
    }
  });

  it('exits 2 naming the file when SQLite cannot open it', async () => {
    const result = await runLfk(['serve', '--port', '0'], { env: { LFK_DATABASE_URL: 'sqlite:/nonexistent-lfk-dir/sub/lfk.db' } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('lfk: cannot reach the database (sqlite:/nonexistent-lfk-dir/sub/lfk.db)');
  });
});

interface Answer {
  status: number;
  requestId: string | null;
  body: { error?: { code: string; request_id: string } } & Record<string, unknown>;
}

describe.each(DIALECTS.filter((dialect) => dialect === 'postgres'))('%s going away while lfk serve runs', () => {
  let database: TestDatabase;
  let store: Store;
  let service: KeyService;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let admin: CreatedKey;
  let revokedBefore: CreatedKey;
  let revokedDuring: CreatedKey;
  let accountId: string;
  /** GitHub's public-key endpoint for partner-program signatures: up throughout, unlike the database. */
  let github: HttpServer;

  beforeAll(async () => {
    github = createHttpServer((request, response) => {
      const key = partnerKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      response.writeHead(request.url === '/meta/public_keys/secret_scanning' ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ public_keys: [{ key_identifier: PARTNER_KEY_ID, key, is_current: true }] }));
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    database = await createTestDatabase('postgres');
    store = await database.open();
    service = new KeyService(store);
    accountId = (await service.createAccount({ name: 'Faulty', plan: 'pro', email: 'faulty@example.com', password: 'correct horse battery' })).account.id;
    const make = (name: string) => service.createKey(accountId, { name, scopes: ['enrichment', 'keys:manage'] }, SYSTEM);
    admin = await make('Admin');
    revokedBefore = await make('Revoked before the fault');
    revokedDuring = await make('Revoked during the fault');
    const target = new URL(POSTGRES_URL!);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
    server = await startLfkServer({
      LFK_DATABASE_URL: throughProxy(database.url, proxy),
      LFK_GITGUARDIAN_WEBHOOK_SECRET: GG_SECRET,
      LFK_GITHUB_API_URL: `http://127.0.0.1:${(github.address() as { port: number }).port}`,
    });
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await service?.stop();
    await store?.close();
    await database?.drop();
    await new Promise((resolve) => github?.close(resolve));
  });

  async function call(method: string, path: string, options: { key?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...(options.key ? { authorization: `Bearer ${options.key}` } : {}), ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    return { status: response.status, requestId: response.headers.get('x-request-id'), body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : { text } };
  }

  function expectUnavailable(answer: Answer, what: string): void {
    expect([answer.status, answer.body.error?.code], `${what}: ${JSON.stringify(answer.body)}`).toEqual([503, 'service_unavailable']);
    expect(answer.requestId).toMatch(/^[\w-]{8,}$/);
    expect(answer.body.error!.request_id).toBe(answer.requestId);
  }

  function gitguardianDelivery(incidentId: number) {
    const body = JSON.stringify({ action: 'incident_triggered', incident: { id: incidentId, hmsl_hash: 'f'.repeat(64) } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    return call('POST', '/webhooks/gitguardian', { body, headers: { 'gitguardian-signature': signGitguardian(body, timestamp, GG_SECRET), timestamp } });
  }

  /** A partner-program alert for a key lfk never issued (so processing it revokes nothing). */
  const partnerToken = generateKey();
  function partnerDelivery() {
    const body = JSON.stringify([{ token: partnerToken, type: 'trustleads_api_key', url: 'https://github.com/o/r/blob/x/f', source: 'content' }]);
    const signature = createSign('sha256').update(body).sign(partnerKeys.privateKey).toString('base64');
    return call('POST', '/webhooks/github/secret-scanning', { body, headers: { 'github-public-key-identifier': PARTNER_KEY_ID, 'github-public-key-signature': signature } });
  }

  const revocationEvents = (keyId: string) => store.db.selectFrom('audit_events').select('id').where('key_id', '=', keyId).where('type', '=', 'key.revoked').execute();
  const deliveries = () => store.db.selectFrom('webhook_deliveries').select(['dedup_key']).execute();

  /** Polls /readyz until it answers 200: the server reconnects by itself. */
  async function untilReady(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await call('GET', '/readyz')).status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the server did not become ready again');
  }

  it('answers 503 with a request id while the database is gone, writes nothing half, and serves again once it is back', async () => {
    // Before the fault: a revocation is accepted.
    expect((await call('GET', '/readyz')).status).toBe(200);
    expect((await call('POST', `/v1/keys/${revokedBefore.id}/revoke`, { key: admin.key, body: '{}' })).status).toBe(200);
    const pid = server.child.pid;

    proxy.cut();
    expectUnavailable(await call('GET', '/readyz'), 'readyz');
    expectUnavailable(await call('GET', '/v1/keys', { key: admin.key }), 'GET /v1/keys');
    expectUnavailable(await call('POST', '/v1/keys', { key: admin.key, body: '{"name":"During"}' }), 'POST /v1/keys');
    expectUnavailable(await call('POST', `/v1/keys/${revokedDuring.id}/revoke`, { key: admin.key, body: '{}' }), 'revoke');
    expectUnavailable(await call('POST', '/v1/exposures', { body: JSON.stringify({ keys: [revokedDuring.key] }) }), 'exposure report');
    // The key revoked before the fault is not let back in while its state cannot be read.
    expect((await call('GET', '/v1/usage', { key: revokedBefore.key })).status).not.toBeLessThan(400);
    // A webhook delivery that cannot be stored is not acknowledged: the sender will retry.
    expectUnavailable(await gitguardianDelivery(4242), 'GitGuardian delivery');
    expectUnavailable(await partnerDelivery(), 'GitHub partner-program delivery');
    // Nothing of the refused writes reached the database, and nothing was half written.
    expect((await service.getKey(accountId, revokedDuring.id)).status).toBe('active');
    expect(await revocationEvents(revokedDuring.id)).toEqual([]);
    expect(await deliveries()).toEqual([]);
    expect(server.child.exitCode).toBeNull();

    proxy.restore();
    await untilReady();
    expect(server.child.pid).toBe(pid);
    expect(server.child.exitCode).toBeNull();
    // The revocation accepted before the fault is still in force.
    const refused = await call('GET', '/v1/usage', { key: revokedBefore.key });
    expect([refused.status, refused.body.error?.code]).toEqual([401, 'invalid_api_key']);
    expect((await service.getKey(accountId, revokedBefore.id)).status).toBe('revoked');
    expect(await revocationEvents(revokedBefore.id)).toHaveLength(1);
    // The revocation refused during the fault succeeds when retried, exactly once.
    const retried = await call('POST', `/v1/keys/${revokedDuring.id}/revoke`, { key: admin.key, body: '{}' });
    expect([retried.status, retried.body.status]).toEqual([200, 'revoked']);
    expect(await revocationEvents(revokedDuring.id)).toHaveLength(1);
    expect((await call('GET', '/v1/usage', { key: revokedDuring.key })).status).toBe(401);
    // The retried deliveries are accepted and stored.
    expect((await gitguardianDelivery(4242)).status).toBe(202);
    const partner = await partnerDelivery();
    expect([partner.status, partner.body]).toEqual([200, [{ token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: 'trustleads_api_key', label: 'false_positive' }]]);
    expect((await deliveries()).map((row) => row.dedup_key.split(':')[0]).sort()).toEqual(['gitguardian', 'github-partner']);
    expect(server.output()).not.toMatch(/unhandled error|uncaught|internal_error/i);
  }, 60_000);

  it('survives PostgreSQL terminating its sessions, and still refuses a key revoked elsewhere on the very next request', async () => {
    const victim = await service.createKey(accountId, { name: 'Revoked by another process' }, SYSTEM);
    expect((await call('GET', '/v1/usage', { key: victim.key })).status).toBe(200);
    const listener = `lfk-listener-${server.child.pid}`;
    const listenerPids = async () =>
      (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${listener} and query ilike 'listen%'`.execute(store.db)).rows.map((row) => row.pid);
    /** The pid of this server's one listening connection, once there is one other than `not`. */
    const listenerOtherThan = async (not?: number) => {
      for (let attempt = 0; attempt <= 100; attempt++) {
        const pids = await listenerPids();
        if (pids.length === 1 && pids[0] !== not) return pids[0]!;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the revocation listener did not come back');
    };
    const before = await listenerOtherThan();
    // Only this server's sessions: those that come through the proxy (other suites share the
    // database). Two steps: PostgreSQL may evaluate a WHERE clause's terms in any order.
    const ours = await sql<{ pid: number }>`select pid from pg_stat_activity where client_port = any(${proxy.upstreamPorts()}) and pid <> pg_backend_pid()`.execute(store.db);
    expect(ours.rows.map((row) => row.pid)).toContain(before);
    await sql`select pg_terminate_backend(pid) from unnest(${ours.rows.map((row) => row.pid)}::int[]) as pid`.execute(store.db);
    for (let round = 0; round < 3; round++) {
      const answer = await call('GET', '/v1/keys', { key: admin.key });
      expect([200, 503]).toContain(answer.status);
    }
    await untilReady();
    // Wait for the new listener connection itself (a terminated backend can linger in pg_stat_activity)…
    await listenerOtherThan(before);
    // …then a revocation written by another process (NOTIFY) is honoured on the next request.
    expect((await call('GET', '/v1/usage', { key: victim.key })).status).toBe(200);
    // Another process (the CLI, straight to PostgreSQL) revokes it, as in the cluster suite.
    const revoked = await runLfk(['keys', 'revoke', victim.id], { env: { LFK_DATABASE_URL: database.url } });
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await call('GET', '/v1/usage', { key: victim.key });
    expect([refused.status, refused.body.error?.code]).toEqual([401, 'invalid_api_key']);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);

  it('survives its connections being cut again and again, answering only 200 or 503', async () => {
    const statuses = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const requests = Array.from({ length: 10 }, () => call('GET', '/v1/keys', { key: admin.key }));
      proxy.cut();
      // A crashed server would reset these: fetch would throw, not answer.
      for (const answer of await Promise.all(requests)) statuses.add(answer.status);
      proxy.restore();
      await untilReady();
    }
    expect([...statuses].filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect((await call('GET', '/v1/keys', { key: admin.key })).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);
});

// SQLite's page limit (PRAGMA max_page_count) makes a write fail with SQLITE_FULL exactly as a
// full disk does; raising it again is "space freed". The limit alone would still let a small row
// into a page with room, so the tables a write touches are first packed with the smallest rows
// they take, until SQLite refuses one: then every real write needs a page it cannot have.
describe('SQLite with a full disk', () => {
  let h: Harness;
  let tenant: Tenant;
  let victim: CreatedKey;
  let webhooks: WebhookServer;

  const setPageLimit = async (pages: number) => sql.raw(`PRAGMA max_page_count = ${pages}`).execute(h.store.db);
  const request = (method: string, path: string, key?: string, body?: unknown) =>
    h.app.request(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const state = async () => ({
    accounts: await h.store.db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    keys: await h.store.db.selectFrom('api_keys').select(['id', 'revoked_at', 'revoked_reason', 'replaced_by', 'expires_at']).orderBy('id').execute(),
    events: await h.store.db.selectFrom('audit_events').select(['id', 'type', 'key_id']).orderBy('id').execute(),
    jobs: await h.store.db.selectFrom('jobs').select('id').execute(),
  });

  /** Inserts rows until SQLite answers SQLITE_FULL; any other error fails the test. */
  async function packUntilFull(insert: (index: number) => Promise<unknown>): Promise<number> {
    for (let index = 0; index < 1_000_000; index++) {
      try {
        await insert(index);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('SQLITE_FULL');
        return index;
      }
    }
    throw new Error('the database never filled up');
  }

  beforeAll(async () => {
    h = await createHarness('sqlite');
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    webhooks = createWebhookServer({
      store: h.store,
      logger: quiet,
      reporter: inProcessReporter(h.service),
      settings: { githubApiUrl: 'http://127.0.0.1:1', gitguardianApiUrl: 'http://127.0.0.1:1', gitguardianWebhookSecret: GG_SECRET },
    });
    tenant = await h.createTenant();
    victim = await h.createKey(tenant.accountId, { name: 'Victim' });
    // The filler rows belong to an account of their own, so the tenant's lists stay as they were.
    const filler = await h.createAccount('pro', 'Filler');
    const fillerKey = await h.createKey(filler.accountId, { name: 'Filler' });
    const at = new Date().toISOString();
    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(h.store.db);
    await setPageLimit(rows[0]!.page_count);
    const db = h.store.db;
    const packed = [
      await packUntilFull(() =>
        db.insertInto('audit_events').values({ id: newId('evt'), account_id: filler.accountId, type: 'f', at, actor_type: 'system', actor_id: null, key_id: null, key_name: null, ip: null, user_agent: null, data: '{}' }).execute(),
      ),
      await packUntilFull((i) =>
        db
          .insertInto('api_keys')
          .values({
            id: newId('key'),
            account_id: filler.accountId,
            name: 'f',
            prefix: 'f',
            last4: 'f',
            sha256: `f${i}`,
            hmsl_hash: `f${i}`,
            scopes: '[]',
            created_at: at,
            created_by: 'cli',
            last_used_at: null,
            last_used_ip: null,
            expires_at: null,
            expiry_recorded_at: null,
            revoked_at: null,
            revoked_reason: null,
            replaced_by: null,
          })
          .execute(),
      ),
      await packUntilFull(() => db.insertInto('jobs').values({ id: newId('job'), account_id: filler.accountId, key_id: fillerKey.id, file_url: 'f', status: 'done', created_at: at }).execute()),
      await packUntilFull((i) =>
        db
          .insertInto('webhook_deliveries')
          .values({ id: newId('dlv'), provider: 'gitguardian', event: 'f', dedup_key: `f${i}`, payload: '{}', status: 'done', attempts: 0, next_attempt_at: at, locked_until: null, last_error: null, result: null, received_at: at, processed_at: at })
          .execute(),
      ),
    ];
    expect(packed.reduce((sum, rows) => sum + rows, 0)).toBeGreaterThan(0);
  });
  afterAll(async () => h?.close());

  it('refuses every write with 503 service_unavailable and a request id, changing nothing, while reads work', async () => {
    const before = await state();
    const writes: Array<[string, string, string, unknown]> = [
      ['POST', '/v1/keys', tenant.admin.key, { name: 'During the full disk' }],
      ['POST', `/v1/keys/${victim.id}/revoke`, tenant.admin.key, { note: 'refused for want of space' }],
      ['POST', `/v1/keys/${victim.id}/roll`, tenant.admin.key, { grace_period_hours: 0 }],
      ['POST', '/v1/jobs', tenant.admin.key, { file_url: 'https://example.com/during.csv' }],
      ['PATCH', '/v1/account', tenant.admin.key, { rotation_period_days: 45 }],
      ['POST', '/v1/exposures', '', { keys: [victim.key], source: { kind: 'scanner', url: 'https://example.com/repo' } }],
    ];
    for (const [method, path, key, body] of writes) {
      const response = await request(method, path, key || undefined, body);
      const answer = (await response.json()) as { error?: { code: string; message: string; request_id: string } };
      expect([response.status, answer.error?.code], `${method} ${path}: ${JSON.stringify(answer)}`).toEqual([503, 'service_unavailable']);
      expect(answer.error!.request_id).toBe(response.headers.get('x-request-id'));
      expect(answer.error!.message).toMatch(/out of space/i);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(await state()).toEqual(before);
    // Neither the refused revocation nor the refused exposure report took effect: the key still works.
    expect((await request('GET', '/v1/usage', victim.key)).status).toBe(200);
    const listed = await request('GET', '/v1/keys', tenant.admin.key);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { data: Array<{ id: string; status: string }> }).data.find((key) => key.id === victim.id)?.status).toBe('active');
    expect((await request('GET', '/v1/audit-log', tenant.admin.key)).status).toBe(200);
    expect((await request('GET', '/readyz')).status).toBe(200);
    expect(h.logs.some((line) => line.includes('database full'))).toBe(true);
  });

  function gitguardianDelivery() {
    const body = JSON.stringify({ action: 'incident_triggered', incident: { id: 777, hmsl_hash: 'e'.repeat(64) } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    return webhooks.app.request('/webhooks/gitguardian', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'gitguardian-signature': signGitguardian(body, timestamp, GG_SECRET), timestamp },
    });
  }
  const storedDeliveries = () => h.store.db.selectFrom('webhook_deliveries').select('id').where('dedup_key', '=', 'gitguardian:777:incident_triggered').execute();

  it('does not acknowledge a webhook delivery it cannot store (the sender retries)', async () => {
    const response = await gitguardianDelivery();
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
    expect(await storedDeliveries()).toEqual([]);
  });

  it('writes again once space is freed, the refused revocation included, exactly once', async () => {
    await setPageLimit(1_000_000);
    const revoked = await request('POST', `/v1/keys/${victim.id}/revoke`, tenant.admin.key, { note: 'retried' });
    expect(revoked.status).toBe(200);
    expect((await request('GET', '/v1/usage', victim.key)).status).toBe(401);
    expect((await request('POST', '/v1/keys', tenant.admin.key, { name: 'After' })).status).toBe(201);
    const events = (await state()).events.filter((event) => event.key_id === victim.id && event.type === 'key.revoked');
    expect(events).toHaveLength(1);
    expect((await gitguardianDelivery()).status).toBe(202);
    expect(await storedDeliveries()).toHaveLength(1);
  });
});
