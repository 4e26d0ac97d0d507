// Schema migrations, one list for both databases. Each runs once, in order, inside a
// transaction; on PostgreSQL an advisory lock makes several instances starting together safe.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { holdsKeyShape, redactKeys } from '../key-format.js';
import type { Dialect } from './database.js';
import { createBackfillTable, createWebhookTables } from './webhook-tables.js';

interface Migration {
  name: string;
  up(db: Kysely<Database>, dialect: Dialect): Promise<void>;
}

// Any number above 2^31 would overflow int4; this one is just a fixed, unlikely-to-clash value.
const MIGRATION_LOCK = 7_320_118;

const MIGRATIONS: Migration[] = [
  {
    name: '0001_key_service',
    async up(db) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('rotation_period_days', 'integer', (c) => c.notNull().defaultTo(90))
        .addColumn('notification_url', 'text')
        .addColumn('notification_secret', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull().unique())
        .addColumn('hmsl_hash', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_ip', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('expiry_recorded_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_reason', 'text')
        .addColumn('replaced_by', 'text')
        .execute();
      await db.schema.createIndex('api_keys_account').on('api_keys').columns(['account_id', 'id']).execute();
      await db.schema.createIndex('api_keys_hmsl').on('api_keys').column('hmsl_hash').execute();
      await db.schema
        .createIndex('api_keys_expiry')
        .on('api_keys')
        .columns(['expiry_recorded_at', 'expires_at'])
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('key_id', 'text')
        .addColumn('key_name', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_account').on('audit_events').columns(['account_id', 'id']).execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('file_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_account').on('jobs').columns(['account_id', 'id']).execute();
      await db.schema
        .createTable('usage_counters')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('jobs', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('usage_counters_pk', ['key_id', 'period'])
        .execute();
      await db.schema
        .createIndex('usage_counters_account')
        .on('usage_counters')
        .columns(['account_id', 'period'])
        .execute();
    },
  },
  {
    name: '0002_web_sessions',
    async up(db) {
      await db.schema
        .createTable('web_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('web_sessions_expiry').on('web_sessions').column('expires_at').execute();
      await db.schema
        .createTable('web_setup_tokens')
        .addColumn('token_sha256', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('web_login_throttle')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .execute();
    },
  },
  { name: '0003_webhooks', up: (db) => createWebhookTables(db) },
  {
    // Sign-in checks for one e-mail address take turns (key-service/service/sign-in-throttle.ts).
    name: '0004_login_turns',
    up: (db) => db.schema.alterTable('web_login_throttle').addColumn('next_check_ms', 'bigint').execute(),
  },
  // Keys pasted into customer text before such text was refused (service/no-pasted-keys.ts).
  { name: '0005_redact_pasted_keys', up: (db) => redactPastedKeys(db) },
  { name: '0006_github_backfill', up: (db) => createBackfillTable(db) },
];

const CUSTOMER_TEXT = [
  ['accounts', 'name'],
  ['accounts', 'notification_url'],
  ['api_keys', 'name'],
  ['jobs', 'file_url'],
] as const;

async function redactPastedKeys(db: Kysely<Database>): Promise<void> {
  for (const [table, column] of CUSTOMER_TEXT) {
    const rows = await sql<{
      id: string;
      text: string;
    }>`select id, ${sql.ref(column)} as text from ${sql.table(table)} where ${sql.ref(column)} like ${'%lfk_sk_%'}`.execute(
      db,
    );
    for (const row of rows.rows) {
      if (holdsKeyShape(row.text))
        await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${redactKeys(row.text)} where id = ${row.id}`.execute(
          db,
        );
    }
  }
}

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const idColumn = dialect === 'postgres' ? 'serial' : 'integer';
  await db.schema
    .createTable('lfk_migrations')
    .ifNotExists()
    .addColumn('id', idColumn, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute()
    .catch(async (error: unknown) => {
      // Two instances creating the table at once: the loser sees a duplicate; the table exists.
      const exists = await db
        .selectFrom('lfk_migrations')
        .select('name')
        .limit(1)
        .execute()
        .then(
          () => true,
          () => false,
        );
      if (!exists) throw error;
    });
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    const done = new Set((await trx.selectFrom('lfk_migrations').select('name').execute()).map((row) => row.name));
    const applied: string[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.name)) continue;
      await migration.up(trx, dialect);
      await trx
        .insertInto('lfk_migrations')
        .values({ name: migration.name, applied_at: new Date().toISOString() })
        .execute();
      applied.push(migration.name);
    }
    return applied;
  });
}
