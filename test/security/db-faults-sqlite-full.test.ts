// SQLite with a full disk: writes answer 503 `service_unavailable` saying the database is out of
// space, nothing is half written (no revocation reported done that was not), reads keep working,
// a webhook delivery is not acknowledged, and writes work again once space is freed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { inProcessReporter } from '../../key-service/exposure-reporter.js';
import { newId } from '../../platform/ids.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import { signGitguardian } from '../../webhook-server/verify-gitguardian.js';
import { createWebhookServer, type WebhookServer } from '../../webhook-server/webhook-server.js';
import { createHarness, type Harness } from '../support/harness.js';
import { captureErrorAnswers } from '../support/leak-capture.js';
import type { Tenant } from '../support/http.js';

const GG_SECRET = 'gg-signature-token-for-fault-tests';

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
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const state = async () => ({
    accounts: await h.store.db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    keys: await h.store.db
      .selectFrom('api_keys')
      .select(['id', 'revoked_at', 'revoked_reason', 'replaced_by', 'expires_at'])
      .orderBy('id')
      .execute(),
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
      settings: {
        githubApiUrl: 'http://127.0.0.1:1',
        gitguardianApiUrl: 'http://127.0.0.1:1',
        gitguardianWebhookSecret: GG_SECRET,
      },
    });
    captureErrorAnswers(webhooks.app);
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
        db
          .insertInto('audit_events')
          .values({
            id: newId('evt'),
            account_id: filler.accountId,
            type: 'f',
            at,
            actor_type: 'system',
            actor_id: null,
            key_id: null,
            key_name: null,
            ip: null,
            user_agent: null,
            data: '{}',
          })
          .execute(),
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
      await packUntilFull(() =>
        db
          .insertInto('jobs')
          .values({
            id: newId('job'),
            account_id: filler.accountId,
            key_id: fillerKey.id,
            file_url: 'f',
            status: 'done',
            created_at: at,
          })
          .execute(),
      ),
      await packUntilFull((i) =>
        db
          .insertInto('webhook_deliveries')
          .values({
            id: newId('dlv'),
            provider: 'gitguardian',
            event: 'f',
            dedup_key: `f${i}`,
            payload: '{}',
            status: 'done',
            attempts: 0,
            next_attempt_at: at,
            locked_until: null,
            last_error: null,
            result: null,
            received_at: at,
            processed_at: at,
          })
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
      [
        'POST',
        '/v1/exposures',
        '',
        { keys: [victim.key], source: { kind: 'scanner', url: 'https://example.com/repo' } },
      ],
    ];
    for (const [method, path, key, body] of writes) {
      const response = await request(method, path, key || undefined, body);
      const answer = (await response.json()) as { error?: { code: string; message: string; request_id: string } };
      expect([response.status, answer.error?.code], `${method} ${path}: ${JSON.stringify(answer)}`).toEqual([
        503,
        'service_unavailable',
      ]);
      expect(answer.error!.request_id).toBe(response.headers.get('x-request-id'));
      expect(answer.error!.message).toMatch(/out of space/i);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(await state()).toEqual(before);
    // Neither the refused revocation nor the refused exposure report took effect: the key still works.
    expect((await request('GET', '/v1/usage', victim.key)).status).toBe(200);
    const listed = await request('GET', '/v1/keys', tenant.admin.key);
    expect(listed.status).toBe(200);
    expect(
      ((await listed.json()) as { data: Array<{ id: string; status: string }> }).data.find(
        (key) => key.id === victim.id,
      )?.status,
    ).toBe('active');
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
      headers: {
        'content-type': 'application/json',
        'gitguardian-signature': signGitguardian(body, timestamp, GG_SECRET),
        timestamp,
      },
    });
  }
  const storedDeliveries = () =>
    h.store.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('dedup_key', '=', 'gitguardian:777:incident_triggered')
      .execute();

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
