// Two instances' inbox workers on one PostgreSQL share the queue: 500 queued GitGuardian
// incidents are processed exactly once between them (SKIP LOCKED claims), and every key is
// revoked once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmslHashSync } from '../../platform/hmsl-hash.js';
import { inProcessReporter, type ExposureReporter } from '../../key-service/exposure-reporter.js';
import { createLogger } from '../../platform/logger.js';
import { KeyService } from '../../key-service/service/key-service.js';
import type { Store } from '../../platform/database/database.js';
import { POSTGRES_URL, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { storeDelivery } from '../../webhook-server/inbox.js';
import { createWebhookServer, type WebhookServer } from '../../webhook-server/webhook-server.js';

const DELIVERIES = 500;

/** The real reporter, counting how many incidents each instance handled. */
function counted(reporter: ExposureReporter, tally: { handled: number }): ExposureReporter {
  return {
    ...reporter,
    revokeByHmsl: (hashes, report) => {
      tally.handled += hashes.length;
      return reporter.revokeByHmsl(hashes, report);
    },
  };
}

describe.skipIf(!POSTGRES_URL)('a shared inbox on PostgreSQL', () => {
  let database: TestDatabase;
  const stores: Store[] = [];
  const servers: WebhookServer[] = [];
  const tallies = [{ handled: 0 }, { handled: 0 }];
  let accountId: string;
  const keyIds: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    for (let instance = 0; instance < 2; instance++) stores.push(await database.open());
    const setup = new KeyService(stores[0]!);
    accountId = (
      await setup.createAccount({
        name: 'Shared inbox',
        plan: 'agency',
        email: 'inbox@acme.test',
        password: 'a long enough password',
      })
    ).account.id;
    const context = { actor: { type: 'system' as const, id: 'test' } };
    for (let index = 0; index < DELIVERIES; index++) {
      const key = await setup.createKey(accountId, { name: `Leaked ${index}` }, context);
      keyIds.push(key.id);
      const body = { action: 'incident_triggered', incident: { id: 10_000 + index, hmsl_hash: hmslHashSync(key.key) } };
      await storeDelivery(stores[0]!, {
        provider: 'gitguardian',
        event: 'incident_triggered',
        dedupKey: `gitguardian:${10_000 + index}:incident_triggered`,
        payload: JSON.stringify({ keys: [], body }),
      });
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.worker.stop()));
    for (const store of stores) await store.close();
    await database?.drop();
  });

  it('processes every delivery exactly once between two workers', async () => {
    stores.forEach((store, instance) => {
      const service = new KeyService(store);
      servers.push(
        createWebhookServer({
          store,
          logger: createLogger('silent'),
          reporter: counted(inProcessReporter(service), tallies[instance]!),
          settings: {
            githubApiUrl: 'https://github-api.test',
            gitguardianApiUrl: 'https://gitguardian-api.test',
            inboxPollMs: 10,
          },
        }),
      );
    });
    servers.forEach((server) => {
      server.worker.start();
    });
    const db = stores[0]!.db;
    for (let wait = 0; wait < 600; wait++) {
      const left = await db
        .selectFrom('webhook_deliveries')
        .select(db.fn.countAll<string>().as('n'))
        .where('status', '!=', 'done')
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rows = await db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute();
    expect(rows).toHaveLength(DELIVERIES);
    expect(rows.every((row) => row.status === 'done' && Number(row.attempts) === 1)).toBe(true);
    expect(tallies[0]!.handled + tallies[1]!.handled).toBe(DELIVERIES);
    expect(tallies[0]!.handled).toBeGreaterThan(0);
    expect(tallies[1]!.handled).toBeGreaterThan(0);

    const events = await db
      .selectFrom('audit_events')
      .select(['type', 'key_id'])
      .where('account_id', '=', accountId)
      .where('type', 'in', ['key.exposed', 'key.revoked'])
      .execute();
    const perKey = new Map<string, string[]>();
    for (const event of events) perKey.set(event.key_id!, [...(perKey.get(event.key_id!) ?? []), event.type]);
    expect(perKey.size).toBe(DELIVERIES);
    for (const id of keyIds) expect(perKey.get(id)?.sort()).toEqual(['key.exposed', 'key.revoked']);
    const revoked = await db
      .selectFrom('api_keys')
      .select('revoked_reason')
      .where('account_id', '=', accountId)
      .execute();
    expect(revoked.every((row) => row.revoked_reason === 'exposed:gitguardian')).toBe(true);
  }, 120_000);
});
