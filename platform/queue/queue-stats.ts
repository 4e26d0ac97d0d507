// Depth and age of the durable queues, for `/metrics`: a growing inbox or an old undelivered
// notice is what an operator must see first.
import { sql } from 'kysely';
import { LabelledGauge, type MetricsRegistry } from '../metrics.js';
import type { Store } from '../database/database.js';
import { QUEUE_STATUSES } from '../vocabulary.js';
import type { QueueTable } from './queue.js';

const TIME_COLUMN: Record<QueueTable, 'received_at' | 'created_at'> = {
  webhook_deliveries: 'received_at',
  notification_outbox: 'created_at',
  github_backfill_jobs: 'created_at',
};

export interface QueueStats {
  /** Rows not yet done or failed for good. */
  depth: number;
  /** Seconds since the oldest of them arrived (0 when empty). */
  oldestAgeSeconds: number;
  failed: number;
}

export async function queueStats(store: Store, table: QueueTable, now = new Date()): Promise<QueueStats> {
  const column = TIME_COLUMN[table];
  const result = await sql<{ depth: number | string; oldest: string | null; failed: number | string }>`
    select
      sum(case when status in ('pending', 'processing') then 1 else 0 end) as depth,
      min(case when status in ('pending', 'processing') then ${sql.ref(column)} end) as oldest,
      sum(case when status = 'failed' then 1 else 0 end) as failed
    from ${sql.table(table)}`.execute(store.db);
  const row = result.rows[0];
  const oldest = row?.oldest ? Date.parse(row.oldest) : undefined;
  return {
    depth: Number(row?.depth ?? 0),
    oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
    failed: Number(row?.failed ?? 0),
  };
}

/**
 * `lfk_backfill_repositories{state}`: the GitHub App's history scans by state
 * (docs/github-app.md#what-was-there-before-the-history-scan).
 */
export function registerBackfillMetrics(registry: MetricsRegistry, store: Store): void {
  registry.add(
    new LabelledGauge(
      'lfk_backfill_repositories',
      'Repositories whose history the GitHub App scans, by state of their scan.',
      async () => {
        const rows = await store.db
          .selectFrom('github_backfill_jobs')
          .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
          .groupBy('status')
          .execute();
        const counts = new Map(rows.map((row) => [row.status, Number(row.count)]));
        return QUEUE_STATUSES.map((state) => ({ labels: { state }, value: counts.get(state) ?? 0 }));
      },
    ),
  );
}

/** Registers depth, age and failures of both queues (a few indexed aggregate reads per scrape). */
export function registerQueueMetrics(registry: MetricsRegistry, store: Store): void {
  for (const [table, name, label] of [
    ['webhook_deliveries', 'inbox', 'webhook deliveries'],
    ['notification_outbox', 'outbox', 'owner notices'],
  ] as const) {
    registry.gauge(
      `lfk_${name}_depth`,
      `${label} waiting or in progress.`,
      async () => (await queueStats(store, table)).depth,
    );
    registry.gauge(
      `lfk_${name}_oldest_age_seconds`,
      `Age in seconds of the oldest of the ${label} not yet done.`,
      async () => (await queueStats(store, table)).oldestAgeSeconds,
    );
    registry.gauge(
      `lfk_${name}_failed`,
      `${label} that failed for good.`,
      async () => (await queueStats(store, table)).failed,
    );
  }
}
