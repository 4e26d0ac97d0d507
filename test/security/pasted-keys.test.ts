// Keys pasted into text a customer chooses (a key's or an account's name, a job's file URL, the
// notification URL) are refused with a 400 that says a key must never go there, through the API,
// the page and the CLI alike, and nothing is stored. Rows stored before this rule are redacted by a
// migration.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { migrate } from '../../platform/database/migrations.js';
import { runLfk } from '../support/cli.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { ApiClient, expectError, expectNoChange, type Tenant } from '../support/http.js';
import { WebClient, createWebHarness, type WebHarness } from '../web/web-client.js';

const PASTED = /holds an API key \(lfk_sk_…\)\. A key must never be pasted there/;

describe.each(DIALECTS)('pasted keys on %s', (dialect) => {
  let h: WebHarness;
  let api: ApiClient;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    h = await createWebHarness(dialect, { throttle: { perPair: 1000, perAddress: 1000, perEmail: 1000 } });
    api = new ApiClient(h);
    tenant = await h.createTenant();
    other = await h.createTenant();
  });
  afterAll(async () => {
    await h.close();
  });

  it('the API refuses a key name, a file URL and a notification URL holding a key, and stores nothing', async () => {
    await expectNoChange(h, async () => {
      for (const name of [other.admin.key, `prod ${generateKey()} sync`]) {
        const refused = await api.post('/v1/keys', { name }, tenant.manager.key);
        expectError(refused, 400, 'invalid_request', PASTED);
        expect(JSON.stringify(refused.body)).not.toContain(name);
      }
      expectError(
        await api.post(
          '/v1/jobs',
          { file_url: `https://files.example.com/leads.csv?token=${generateKey()}` },
          tenant.enrichment.key,
        ),
        400,
        'invalid_request',
        /file_url holds an API key/,
      );
      expectError(
        await api.patch(
          '/v1/account',
          { notification_url: `https://hooks.example.com/${generateKey()}` },
          tenant.manager.key,
        ),
        400,
        'invalid_request',
        /notification_url holds an API key/,
      );
    });
    // A key's prefix alone, or a shorter look-alike, is an ordinary name.
    expect((await api.post('/v1/keys', { name: 'lfk_sk_ rotation' }, tenant.admin.key)).status).toBe(201);
  });

  it('the page refuses a key name and a notification URL holding a key', async () => {
    const { email } = await h.createAccount();
    const client = new WebClient(h);
    const csrf = await client.signIn(email);
    await expectNoChange(h, async () => {
      const created = await client.post('/app/api-keys', { csrf, name: generateKey() });
      expect(created.status).toBe(400);
      expect(created.text).toMatch(/must never be pasted there/);
      const settings = await client.post('/app/settings', {
        csrf,
        rotation_period_days: '90',
        notification_url: `https://hooks.example.com/?k=${generateKey()}`,
      });
      expect(settings.status).toBe(400);
      expect(settings.text).toMatch(/must never be pasted there/);
    });
  });
});

describe.each(DIALECTS)('pasted keys through the CLI on %s', (dialect) => {
  it('lfk accounts create and lfk keys create refuse a name holding a key, creating nothing', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const env = { LFK_DATABASE_URL: database.url };
      const refused = await runLfk(
        [
          'accounts',
          'create',
          '--name',
          `Acme ${generateKey()}`,
          '--email',
          'paste@acme.test',
          '--plan',
          'pro',
          '--password-stdin',
        ],
        { env, input: 'a long enough password\n' },
      );
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(PASTED);
      const account = await runLfk(
        [
          'accounts',
          'create',
          '--name',
          'Acme',
          '--email',
          'paste@acme.test',
          '--plan',
          'pro',
          '--password-stdin',
          '--json',
        ],
        { env, input: 'a long enough password\n' },
      );
      expect(account.code).toBe(0);
      const id = (JSON.parse(account.stdout) as { account: { id: string } }).account.id;
      const key = await runLfk(['keys', 'create', '--account', id, '--name', generateKey()], { env });
      expect(key.code).not.toBe(0);
      expect(key.stderr).toMatch(PASTED);
      const store = await database.open();
      try {
        expect(await store.db.selectFrom('accounts').select('name').execute()).toEqual([{ name: 'Acme' }]);
        expect(await store.db.selectFrom('api_keys').select('id').execute()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('a migration redacts keys that rows stored before this rule still hold', async () => {
    const database = await createTestDatabase(dialect);
    const store = await database.open();
    try {
      const pasted = generateKey();
      const now = new Date().toISOString();
      await store.db
        .insertInto('accounts')
        .values({
          id: 'acct_old',
          name: `Old ${pasted}`,
          plan: 'pro',
          rotation_period_days: 90,
          notification_url: `https://hooks.example.com/${pasted}`,
          notification_secret: null,
          created_at: now,
        })
        .execute();
      await sql`delete from lfk_migrations where name = ${'0005_redact_pasted_keys'}`.execute(store.db);
      expect(await migrate(store.db, dialect)).toEqual(['0005_redact_pasted_keys']);
      const row = await store.db
        .selectFrom('accounts')
        .select(['name', 'notification_url'])
        .where('id', '=', 'acct_old')
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(pasted);
      expect(row.name).toBe(`Old ${pasted.slice(0, 11)}…`);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
