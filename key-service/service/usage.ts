// Request and job counters per key and month, and `last_used`: counted in memory and written in
// batches (never one write per request); `last_used` at most once a minute per key.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.js';

const LAST_USED_INTERVAL_MS = 60_000;
/** How long totals read from the database are trusted before being read again. */
const SNAPSHOT_TTL_MS = 5_000;

export interface Counts {
  requests: number;
  jobs: number;
}

interface Pending extends Counts {
  accountId: string;
  period: string;
}

interface Snapshot extends Counts {
  loadedAtMs: number;
}

export interface Period {
  /** `YYYY-MM` (UTC). */
  id: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

let current: Period | undefined;

/** The calendar month (UTC) holding `date`; the answer is reused until the month ends. */
export function periodOf(date: Date): Period {
  const ms = date.getTime();
  if (current && ms >= current.startMs && ms < current.endMs) return current;
  const startMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const endMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  const start = new Date(startMs).toISOString();
  const period = { id: start.slice(0, 7), start, end: new Date(endMs).toISOString(), startMs, endMs };
  // Only the present month is worth keeping: tests with other clocks must not pin an old one.
  if (Math.abs(Date.now() - ms) < 86_400_000) current = period;
  return period;
}

/** Values by period, then by id: lookups on the hot path build no `id|period` strings. */
class ByPeriod<V> {
  readonly periods = new Map<string, Map<string, V>>();

  get(period: string, id: string): V | undefined {
    return this.periods.get(period)?.get(id);
  }

  /** The value, made by `create` when missing. */
  take(period: string, id: string, create: () => V): V {
    let ids = this.periods.get(period);
    if (ids === undefined) this.periods.set(period, (ids = new Map()));
    let value = ids.get(id);
    if (value === undefined) ids.set(id, (value = create()));
    return value;
  }

  set(period: string, id: string, value: V): void {
    let ids = this.periods.get(period);
    if (ids === undefined) this.periods.set(period, (ids = new Map()));
    ids.set(id, value);
  }

  *entries(): Generator<[period: string, id: string, value: V]> {
    for (const [period, ids] of this.periods) for (const [id, value] of ids) yield [period, id, value];
  }

  get size(): number {
    let size = 0;
    for (const ids of this.periods.values()) size += ids.size;
    return size;
  }
}

const zero = (): Counts => ({ requests: 0, jobs: 0 });

export class UsageRecorder {
  /** Unwritten counts by period and key id. */
  private pending = new ByPeriod<Pending>();
  /** The same counts summed by period and account id, so a usage answer never walks every key. */
  private pendingByAccount = new ByPeriod<Counts>();
  /** Unwritten `last_used` by key id. */
  private pendingLastUsed = new Map<string, { at: string; ip: string | null }>();
  /** The latest use recorded here by key id (the ISO form kept: usage answers show it every time). */
  private readonly lastUsed = new Map<string, { ms: number; at: string }>();
  /** Totals as last read from (or written to) the database. */
  private readonly keySnapshots = new ByPeriod<Snapshot>();
  private readonly accountSnapshots = new ByPeriod<Snapshot>();
  /** Counts taken out of `pending` by a write not yet committed: still counted in answers. */
  private writing: { counts: ByPeriod<Pending>; byAccount: ByPeriod<Counts> } | undefined;
  private flushing: Promise<void> | undefined;
  /** Reads of stored totals and writes take turns, so a read never lands between a write's commit and its bookkeeping. */
  private turns: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Kysely<Database>) {}

  recordRequest(keyId: string, accountId: string, ip: string | null, now: Date): void {
    this.bump(keyId, accountId, now, 1, 0);
    const nowMs = now.getTime();
    const last = this.lastUsed.get(keyId);
    if (last === undefined || nowMs - last.ms >= LAST_USED_INTERVAL_MS) {
      const at = now.toISOString();
      this.pendingLastUsed.set(keyId, { at, ip });
      this.lastUsed.set(keyId, { ms: nowMs, at });
    }
  }

  recordJob(keyId: string, accountId: string, now: Date): void {
    this.bump(keyId, accountId, now, 0, 1);
  }

  /** The newest `last_used_at` known here for a key, written or not. */
  lastUsedAt(keyId: string): string | undefined {
    // Not the pending map alone: a flush empties it, and the caller's cached key may predate the use.
    return this.lastUsed.get(keyId)?.at;
  }

  private bump(keyId: string, accountId: string, now: Date, requests: number, jobs: number): void {
    const period = periodOf(now).id;
    const entry = this.pending.take(period, keyId, () => ({ accountId, period, requests: 0, jobs: 0 }));
    entry.requests += requests;
    entry.jobs += jobs;
    const accountEntry = this.pendingByAccount.take(period, accountId, zero);
    accountEntry.requests += requests;
    accountEntry.jobs += jobs;
  }

  /** Totals for a key and its account this month, including counts not yet written. */
  async usage(keyId: string, accountId: string, now: Date): Promise<{ key: Counts; account: Counts }> {
    const fresh = this.usageFromSnapshots(keyId, accountId, now);
    if (fresh) return fresh;
    const period = periodOf(now).id;
    await this.inTurn(async () => {
      await this.loadKeyTotals(keyId, period, now);
      await this.loadAccountTotals(accountId, period, now);
    });
    return this.usageFromSnapshots(keyId, accountId, now)!;
  }

  /** The same, synchronously, when the stored totals read recently are still fresh. */
  usageFromSnapshots(keyId: string, accountId: string, now: Date): { key: Counts; account: Counts } | undefined {
    const period = periodOf(now).id;
    const nowMs = now.getTime();
    const keyTotals = fresh(this.keySnapshots.get(period, keyId), nowMs);
    const accountTotals = fresh(this.accountSnapshots.get(period, accountId), nowMs);
    if (!keyTotals || !accountTotals) return undefined;
    const key = { requests: keyTotals.requests, jobs: keyTotals.jobs };
    const account = { requests: accountTotals.requests, jobs: accountTotals.jobs };
    addTo(key, this.pending.get(period, keyId));
    addTo(account, this.pendingByAccount.get(period, accountId));
    addTo(key, this.writing?.counts.get(period, keyId));
    addTo(account, this.writing?.byAccount.get(period, accountId));
    return { key, account };
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turns.then(work);
    this.turns = run.catch(() => undefined);
    return run;
  }

  private loadKeyTotals(keyId: string, period: string, now: Date): Promise<Counts> {
    return this.snapshot(this.keySnapshots, period, keyId, now, () =>
      this.db
        .selectFrom('usage_counters')
        .select(['requests', 'jobs'])
        .where('key_id', '=', keyId)
        .where('period', '=', period)
        .executeTakeFirst(),
    );
  }

  private loadAccountTotals(accountId: string, period: string, now: Date): Promise<Counts> {
    return this.snapshot(this.accountSnapshots, period, accountId, now, () =>
      this.db
        .selectFrom('usage_counters')
        .select((eb) => [
          eb.fn.coalesce(eb.fn.sum<number>('requests'), sql<number>`0`).as('requests'),
          eb.fn.coalesce(eb.fn.sum<number>('jobs'), sql<number>`0`).as('jobs'),
        ])
        .where('account_id', '=', accountId)
        .where('period', '=', period)
        .executeTakeFirst(),
    );
  }

  private async snapshot(
    into: ByPeriod<Snapshot>,
    period: string,
    id: string,
    now: Date,
    load: () => Promise<{ requests: number | string; jobs: number | string } | undefined>,
  ): Promise<Counts> {
    const row = await load();
    // PostgreSQL returns sums as strings (bigint); SQLite as numbers.
    const loaded = { requests: Number(row?.requests ?? 0), jobs: Number(row?.jobs ?? 0), loadedAtMs: now.getTime() };
    into.set(period, id, loaded);
    return loaded;
  }

  /** Writes everything counted so far. Safe to call concurrently: calls share one write. */
  flush(): Promise<void> {
    this.flushing ??= this.inTurn(() => this.write()).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const counts = this.pending;
    const lastUsed = this.pendingLastUsed;
    if (counts.size === 0 && lastUsed.size === 0) return;
    const byAccount = this.pendingByAccount;
    this.pending = new ByPeriod();
    this.pendingByAccount = new ByPeriod();
    this.pendingLastUsed = new Map();
    this.writing = { counts, byAccount };
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const [period, keyId, entry] of counts.entries()) {
          await trx
            .insertInto('usage_counters')
            .values({ key_id: keyId, account_id: entry.accountId, period, requests: entry.requests, jobs: entry.jobs })
            .onConflict((conflict) =>
              conflict.columns(['key_id', 'period']).doUpdateSet({
                requests: sql`usage_counters.requests + ${entry.requests}`,
                jobs: sql`usage_counters.jobs + ${entry.jobs}`,
              }),
            )
            .execute();
        }
        for (const [keyId, used] of lastUsed) {
          await trx
            .updateTable('api_keys')
            .set({ last_used_at: used.at, last_used_ip: used.ip })
            .where('id', '=', keyId)
            .execute();
        }
      });
    } catch (error) {
      this.writing = undefined;
      // Keep what could not be written for the next flush rather than lose it.
      for (const [period, keyId, entry] of counts.entries()) {
        const now = this.pending.take(period, keyId, () => ({
          accountId: entry.accountId,
          period,
          requests: 0,
          jobs: 0,
        }));
        now.requests += entry.requests;
        now.jobs += entry.jobs;
      }
      for (const [period, accountId, entry] of byAccount.entries()) {
        const now = this.pendingByAccount.take(period, accountId, zero);
        now.requests += entry.requests;
        now.jobs += entry.jobs;
      }
      for (const [keyId, used] of lastUsed) if (!this.pendingLastUsed.has(keyId)) this.pendingLastUsed.set(keyId, used);
      throw error;
    }
    // In the same step as the write stops counting as in flight: no answer sees it twice or not at all.
    this.writing = undefined;
    for (const [period, keyId, entry] of counts.entries()) {
      addTo(this.keySnapshots.get(period, keyId), entry);
      addTo(this.accountSnapshots.get(period, entry.accountId), entry);
    }
  }
}

function fresh(snapshot: Snapshot | undefined, nowMs: number): Snapshot | undefined {
  return snapshot && nowMs - snapshot.loadedAtMs < SNAPSHOT_TTL_MS ? snapshot : undefined;
}

function addTo(total: Counts | undefined, delta: Counts | undefined): void {
  if (!total || !delta) return;
  total.requests += delta.requests;
  total.jobs += delta.jobs;
}
