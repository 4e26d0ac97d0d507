// PostgreSQL going away while `lfk serve` runs (the built CLI, behind a TCP proxy the test cuts,
// or with its sessions terminated by PostgreSQL): requests answer 503 `service_unavailable` with a
// request id, /readyz 503, nothing crashes, no revocation is half written or lost, a webhook
// delivery that cannot be stored is not acknowledged, and the server serves again once the
// database is back, without a restart. Needs `npm run build`.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { generateKey } from '../../platform/key-format.js';
import { KeyService } from '../../key-service/service/key-service.js';
import { createProAccount } from '../support/harness.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import type { Store } from '../../platform/database/database.js';
import { signGitguardian } from '../../webhook-server/verify-gitguardian.js';
import { runLfk, startLfkServer, type ServerProcess } from '../support/cli.js';
import { POSTGRES_URL, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { TcpProxy, throughProxy } from './tcp-proxy.js';

const GG_SECRET = 'gg-signature-token-for-fault-tests';
const PARTNER_KEY_ID = 'fault-test-partner-key';
const partnerKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SYSTEM = { actor: { type: 'system' as const, id: 'test' } };

interface Answer {
  status: number;
  requestId: string | null;
  body: { error?: { code: string; request_id: string } } & Record<string, unknown>;
}

// Skipped (loudly, by test/support/databases.ts) without LFK_TEST_DATABASE_URL, as the cluster suite is; CI sets it.
describe.skipIf(!POSTGRES_URL)('PostgreSQL going away while lfk serve runs', () => {
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
      response.writeHead(request.url === '/meta/public_keys/secret_scanning' ? 200 : 404, {
        'content-type': 'application/json',
      });
      response.end(JSON.stringify({ public_keys: [{ key_identifier: PARTNER_KEY_ID, key, is_current: true }] }));
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    database = await createTestDatabase('postgres');
    store = await database.open();
    service = new KeyService(store);
    accountId = (await createProAccount(service, 'Faulty', 'faulty@example.com')).account.id;
    const make = (name: string) =>
      service.createKey(accountId, { name, scopes: ['enrichment', 'keys:manage'] }, SYSTEM);
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
    // A server that does not exit on SIGTERM after the faults is a failure of its own, said plainly.
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      server.child.kill('SIGKILL');
    }, 15_000);
    await server?.stop();
    clearTimeout(guard);
    await proxy?.close();
    await service?.stop();
    await store?.close();
    await database?.drop();
    await new Promise((resolve) => github?.close(resolve));
    expect(hung, `lfk serve did not exit within 15 s of SIGTERM:\n${server.output().slice(-3000)}`).toBe(false);
  });

  async function call(
    method: string,
    path: string,
    options: { key?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      requestId: response.headers.get('x-request-id'),
      body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : { text },
    };
  }

  function expectUnavailable(answer: Answer, what: string): void {
    expect([answer.status, answer.body.error?.code], `${what}: ${JSON.stringify(answer.body)}`).toEqual([
      503,
      'service_unavailable',
    ]);
    expect(answer.requestId).toMatch(/^[\w-]{8,}$/);
    expect(answer.body.error!.request_id).toBe(answer.requestId);
  }

  function gitguardianDelivery(incidentId: number) {
    const body = JSON.stringify({
      action: 'incident_triggered',
      incident: { id: incidentId, hmsl_hash: 'f'.repeat(64) },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    return call('POST', '/webhooks/gitguardian', {
      body,
      headers: { 'gitguardian-signature': signGitguardian(body, timestamp, GG_SECRET), timestamp },
    });
  }

  /** A partner-program alert for a key lfk never issued (so processing it revokes nothing). */
  const partnerToken = generateKey();
  function partnerDelivery() {
    const body = JSON.stringify([
      { token: partnerToken, type: 'trustleads_api_key', url: 'https://github.com/o/r/blob/x/f', source: 'content' },
    ]);
    const signature = createSign('sha256').update(body).sign(partnerKeys.privateKey).toString('base64');
    return call('POST', '/webhooks/github/secret-scanning', {
      body,
      headers: { 'github-public-key-identifier': PARTNER_KEY_ID, 'github-public-key-signature': signature },
    });
  }

  const revocationEvents = (keyId: string) =>
    store.db
      .selectFrom('audit_events')
      .select('id')
      .where('key_id', '=', keyId)
      .where('type', '=', 'key.revoked')
      .execute();
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
    expect((await call('POST', `/v1/keys/${revokedBefore.id}/revoke`, { key: admin.key, body: '{}' })).status).toBe(
      200,
    );
    const pid = server.child.pid;

    proxy.cut();
    expectUnavailable(await call('GET', '/readyz'), 'readyz');
    expectUnavailable(await call('GET', '/v1/keys', { key: admin.key }), 'GET /v1/keys');
    expectUnavailable(await call('POST', '/v1/keys', { key: admin.key, body: '{"name":"During"}' }), 'POST /v1/keys');
    expectUnavailable(
      await call('POST', `/v1/keys/${revokedDuring.id}/revoke`, { key: admin.key, body: '{}' }),
      'revoke',
    );
    expectUnavailable(
      await call('POST', '/v1/exposures', { body: JSON.stringify({ keys: [revokedDuring.key] }) }),
      'exposure report',
    );
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
    expect([partner.status, partner.body]).toEqual([
      200,
      [
        {
          token_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
          token_type: 'trustleads_api_key',
          label: 'false_positive',
        },
      ],
    ]);
    expect((await deliveries()).map((row) => row.dedup_key.split(':')[0]).sort()).toEqual([
      'gitguardian',
      'github-partner',
    ]);
    expect(server.output()).not.toMatch(/unhandled error|uncaught|internal_error/i);
  }, 60_000);

  it('survives PostgreSQL terminating its sessions, and still refuses a key revoked elsewhere on the very next request', async () => {
    const victim = await service.createKey(accountId, { name: 'Revoked by another process' }, SYSTEM);
    expect((await call('GET', '/v1/usage', { key: victim.key })).status).toBe(200);
    const listener = `lfk-listener-${server.child.pid}`;
    // A listener that has run its LISTEN: the last query it shows is that, or an acknowledgement
    // (`select pg_notify`) it sent since for a revocation it heard.
    const listenerPids = async () =>
      (
        await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${listener}
          and (query ilike 'listen%' or query ilike 'select pg_notify%')`.execute(store.db)
      ).rows.map((row) => row.pid);
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
    const ours = await sql<{
      pid: number;
    }>`select pid from pg_stat_activity where client_port = any(${proxy.upstreamPorts()}) and pid <> pg_backend_pid()`.execute(
      store.db,
    );
    expect(ours.rows.map((row) => row.pid)).toContain(before);
    await sql`select pg_terminate_backend(pid) from unnest(${ours.rows.map((row) => row.pid)}::int[]) as pid`.execute(
      store.db,
    );
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
