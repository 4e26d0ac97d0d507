// One claim-and-retry routine for the durable queues (webhook inbox, notification outbox, history backfill).
// A row is claimed by a lease: status `processing` until `locked_until`; a worker that dies leaves
// a lease that runs out, and the row is claimed again. Claims are safe with several workers:
// PostgreSQL skips rows another transaction holds (FOR UPDATE SKIP LOCKED); SQLite runs one
// conditional UPDATE, which its single writer makes atomic.
import { sql, type UpdateObject } from 'kysely';
import type { Store } from '../database/database.js';
import type {
  Database,
  GithubBackfillJobsTable,
  NotificationOutboxTable,
  WebhookDeliveriesTable,
} from '../database/schema.js';

export type QueueTable = 'webhook_deliveries' | 'notification_outbox' | 'github_backfill_jobs';
export type QueueRow<T extends QueueTable> = T extends 'webhook_deliveries'
  ? WebhookDeliveriesTable
  : T extends 'notification_outbox'
    ? NotificationOutboxTable
    : GithubBackfillJobsTable;

export async function claimRows<T extends QueueTable>(
  store: Store,
  table: T,
  limit: number,
  leaseMs: number,
  now = new Date(),
): Promise<Array<QueueRow<T>>> {
  const nowIso = now.toISOString();
  const leaseIso = new Date(now.getTime() + leaseMs).toISOString();
  const due = sql`(status = 'pending' and next_attempt_at <= ${nowIso}) or (status = 'processing' and locked_until <= ${nowIso})`;
  const lock = store.dialect === 'postgres' ? sql`for update skip locked` : sql``;
  // Arrival order: ids are time-ordered base62, which sorts right only byte by byte.
  const byId = store.dialect === 'postgres' ? sql`id collate "C"` : sql`id`;
  // On PostgreSQL the pick is a MATERIALIZED CTE: as an `IN (subquery)` the planner may run it again
  // for each row and claim more than `limit` rows.
  const picked = sql`select id from ${sql.table(table)} where ${due} order by next_attempt_at, ${byId} limit ${limit} ${lock}`;
  const result =
    store.dialect === 'postgres'
      ? await sql<QueueRow<T>>`
    with picked as materialized (${picked})
    update ${sql.table(table)}
    set status = 'processing', attempts = attempts + 1, locked_until = ${leaseIso}
    where id in (select id from picked) and (${due})
    returning *`.execute(store.db)
      : await sql<QueueRow<T>>`
    update ${sql.table(table)}
    set status = 'processing', attempts = attempts + 1, locked_until = ${leaseIso}
    where id in (${picked}) and (${due})
    returning *`.execute(store.db);
  return result.rows.map((row) => ({ ...row, attempts: Number(row.attempts) }));
}

/** Keeps a claim alive while long work goes on (a clone may take longer than a lease); false when it was lost. */
export async function renewLease(
  store: Store,
  table: QueueTable,
  row: { id: string; attempts: number },
  leaseMs: number,
  now = new Date(),
): Promise<boolean> {
  return updateClaimed(store, table, row, { locked_until: new Date(now.getTime() + leaseMs).toISOString() });
}

/** Marks a claimed row done, unless its lease was lost and someone else claimed it since. */
export async function completeRow(
  store: Store,
  table: QueueTable,
  row: { id: string; attempts: number },
  result: unknown,
  now = new Date(),
): Promise<boolean> {
  return updateClaimed(store, table, row, {
    status: 'done',
    result: JSON.stringify(result ?? null),
    processed_at: now.toISOString(),
    locked_until: null,
    last_error: null,
  });
}

/** Puts a claimed row back for another attempt at `retryAt`, or marks it failed for good. */
export async function releaseRow(
  store: Store,
  table: QueueTable,
  row: { id: string; attempts: number },
  error: string,
  retryAt: Date | null,
  now = new Date(),
): Promise<void> {
  await updateClaimed(
    store,
    table,
    row,
    retryAt
      ? {
          status: 'pending',
          next_attempt_at: retryAt.toISOString(),
          locked_until: null,
          last_error: error.slice(0, 2000),
        }
      : { status: 'failed', processed_at: now.toISOString(), locked_until: null, last_error: error.slice(0, 2000) },
  );
}

/** Updates a row this worker claimed, only while the claim holds (still processing, same attempt); true when it did. */
async function updateClaimed(
  store: Store,
  table: QueueTable,
  row: { id: string; attempts: number },
  values: UpdateObject<Database, QueueTable>,
): Promise<boolean> {
  const update = await store.db
    .updateTable(table)
    .set(values)
    .where('id', '=', row.id)
    .where('status', '=', 'processing')
    .where('attempts', '=', row.attempts)
    .executeTakeFirst();
  return Number(update.numUpdatedRows) > 0;
}
