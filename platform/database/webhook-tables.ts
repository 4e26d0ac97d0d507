// Migration 0003: the webhook inbox, the notification outbox and the GitHub App installations.
// Both queues share one shape (status, attempts, next_attempt_at, locked_until) so that one claim
// and retry routine (queue.ts) serves them.
import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The columns the queue routine (queue.ts) works with. */
function queueColumns<T extends string>(table: CreateTableBuilder<T>): CreateTableBuilder<T> {
  return table
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('result', 'text');
}

/**
 * Migration 0006: the GitHub App's history scans
 * (docs/github-app.md#what-was-there-before-the-history-scan), a queue like the other two.
 */
export async function createBackfillTable(db: Kysely<Database>): Promise<void> {
  await queueColumns(db.schema.createTable('github_backfill_jobs').addColumn('id', 'text', (c) => c.primaryKey()))
    .addColumn('installation_id', 'text', (c) => c.notNull())
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .execute();
  await db.schema
    .createIndex('github_backfill_jobs_due')
    .on('github_backfill_jobs')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

export async function createWebhookTables(db: Kysely<Database>): Promise<void> {
  await queueColumns(db.schema.createTable('webhook_deliveries').addColumn('id', 'text', (c) => c.primaryKey()))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    // What makes a repeated delivery the same one (X-GitHub-Delivery, incident id + action, body hash).
    .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await queueColumns(db.schema.createTable('notification_outbox').addColumn('id', 'text', (c) => c.primaryKey()))
    // The `key.revoked` audit event the notice is about: one notice per event and channel.
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .addUniqueConstraint('notification_outbox_event_channel', ['event_id', 'channel'])
    .execute();
  await db.schema
    .createIndex('notification_outbox_due')
    .on('notification_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createTable('github_installations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_login', 'text', (c) => c.notNull())
    .addColumn('account_type', 'text', (c) => c.notNull())
    .addColumn('repository_selection', 'text', (c) => c.notNull())
    // JSON array of `owner/name` for a selected-repositories installation; null for "all".
    .addColumn('repositories', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
