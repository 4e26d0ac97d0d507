// Request and job counters per key and month, and `last_used`: counted in memory and written in
// batches (never one write per request); `last_used` at most once a minute per key.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

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

export class UsageRecorder {
  /** Unwritten counts by `keyId|period`. */
  private pending = new Map<string, Pending>();
  /** The same counts summed by `accountId|period`, so a usage answer never walks every key. */
  private pendingByAccount = new Map<string, Counts>();
  /** Unwritten `last_used` by key id. */
  private pendingLastUsed = new Map<string, { at: string; ip: string | null }>();
  private readonly lastUsedWrittenMs = new Map<string, number>();
  /** Totals as last read from (or written to) the database, by `key:ID|period` or `acct:ID|period`. */
  private readonly snapshots = new Map<string, Snapshot>();
  private flushing: Promise<void> | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  recordRequest(keyId: string, accountId: string, ip: string | null, now: Date): void {
    this.bump(keyId, accountId, now, { requests: 1, jobs: 0 });
    const nowMs = now.getTime();
    const written = this.lastUsedWrittenMs.get(keyId) ?? 0;
    if (nowMs - written >= LAST_USED_INTERVAL_MS) {
      this.pendingLastUsed.set(keyId, { at: now.toISOString(), ip });
      this.lastUsedWrittenMs.set(keyId, nowMs);
    }
  }

  recordJob(keyId: string, accountId: string, now: Date): void {
    this.bump(keyId, accountId, now, { requests: 0, jobs: 1 });
  }

  /** The newest `last_used_at` known here for a key, written or not. */
  lastUsedAt(keyId: string): string | undefined {
    // Not the pending map alone: a flush empties it, and the caller's cached key may predate the use.
    const recordedMs = this.lastUsedWrittenMs.get(keyId);
    return recordedMs === undefined ? undefined : new Date(recordedMs).toISOString();
  }

  private bump(keyId: string, accountId: string, now: Date, delta: Counts): void {
    const period = periodOf(now).id;
    const id = `${keyId}|${period}`;
    const entry = this.pending.get(id) ?? { accountId, period, requests: 0, jobs: 0 };
    entry.requests += delta.requests;
    entry.jobs += delta.jobs;
    this.pending.set(id, entry);
    const accountEntry = this.pendingByAccount.get(`${accountId}|${period}`) ?? { requests: 0, jobs: 0 };
    accountEntry.requests += delta.requests;
    accountEntry.jobs += delta.jobs;
    this.pendingByAccount.set(`${accountId}|${period}`, accountEntry);
  }

  /** Totals for a key and its account this month, including counts not yet written. */
  async usage(keyId: string, accountId: string, now: Date): Promise<{ key: Counts; account: Counts }> {
    const fresh = this.usageFromSnapshots(keyId, accountId, now);
    if (fresh) return fresh;
    const period = periodOf(now).id;
    await this.loadKeyTotals(keyId, period, now);
    await this.loadAccountTotals(accountId, period, now);
    return this.usageFromSnapshots(keyId, accountId, now)!;
  }

  /** The same, synchronously, when the stored totals read recently are still fresh. */
  usageFromSnapshots(keyId: string, accountId: string, now: Date): { key: Counts; account: Counts } | undefined {
    const period = periodOf(now).id;
    const keyTotals = this.freshSnapshot(`key:${keyId}|${period}`, now);
    const accountTotals = this.freshSnapshot(`acct:${accountId}|${period}`, now);
    if (!keyTotals || !accountTotals) return undefined;
    const keyPending = this.pending.get(`${keyId}|${period}`);
    const accountPending = this.pendingByAccount.get(`${accountId}|${period}`);
    return {
      key: { requests: keyTotals.requests + (keyPending?.requests ?? 0), jobs: keyTotals.jobs + (keyPending?.jobs ?? 0) },
      account: { requests: accountTotals.requests + (accountPending?.requests ?? 0), jobs: accountTotals.jobs + (accountPending?.jobs ?? 0) },
    };
  }

  private freshSnapshot(id: string, now: Date): Counts | undefined {
    const cached = this.snapshots.get(id);
    return cached && now.getTime() - cached.loadedAtMs < SNAPSHOT_TTL_MS ? cached : undefined;
  }

  private loadKeyTotals(keyId: string, period: string, now: Date): Promise<Counts> {
    return this.snapshot(`key:${keyId}|${period}`, now, () =>
      this.db.selectFrom('usage_counters').select(['requests', 'jobs']).where('key_id', '=', keyId).where('period', '=', period).executeTakeFirst(),
    );
  }

  private loadAccountTotals(accountId: string, period: string, now: Date): Promise<Counts> {
    return this.snapshot(`acct:${accountId}|${period}`, now, () =>
      this.db
        .selectFrom('usage_counters')
        .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('requests'), sql<number>`0`).as('requests'), eb.fn.coalesce(eb.fn.sum<number>('jobs'), sql<number>`0`).as('jobs')])
        .where('account_id', '=', accountId)
        .where('period', '=', period)
        .executeTakeFirst(),
    );
  }

  private async snapshot(id: string, now: Date, load: () => Promise<{ requests: number | string; jobs: number | string } | undefined>): Promise<Counts> {
    const row = await load();
    // PostgreSQL returns sums as strings (bigint); SQLite as numbers.
    const fresh = { requests: Number(row?.requests ?? 0), jobs: Number(row?.jobs ?? 0), loadedAtMs: now.getTime() };
    this.snapshots.set(id, fresh);
    return fresh;
  }

  /** Writes everything counted so far. Safe to call concurrently: calls share one write. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const counts = this.pending;
    const lastUsed = this.pendingLastUsed;
    if (counts.size === 0 && lastUsed.size === 0) return;
    const byAccount = this.pendingByAccount;
    this.pending = new Map();
    this.pendingByAccount = new Map();
    this.pendingLastUsed = new Map();
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const [id, entry] of counts) {
          const keyId = id.slice(0, id.indexOf('|'));
          await trx
            .insertInto('usage_counters')
            .values({ key_id: keyId, account_id: entry.accountId, period: entry.period, requests: entry.requests, jobs: entry.jobs })
            .onConflict((conflict) =>
              conflict.columns(['key_id', 'period']).doUpdateSet({
                requests: sql`usage_counters.requests + ${entry.requests}`,
                jobs: sql`usage_counters.jobs + ${entry.jobs}`,
              }),
            )
            .execute();
        }
        for (const [keyId, used] of lastUsed) {
          await trx.updateTable('api_keys').set({ last_used_at: used.at, last_used_ip: used.ip }).where('id', '=', keyId).execute();
        }
      });
    } catch (error) {
      // Keep what could not be written for the next flush rather than lose it.
      for (const [id, entry] of counts) {
        const now = this.pending.get(id);
        if (now) {
          now.requests += entry.requests;
          now.jobs += entry.jobs;
        } else this.pending.set(id, entry);
      }
      for (const [id, entry] of byAccount) {
        const now = this.pendingByAccount.get(id) ?? { requests: 0, jobs: 0 };
        now.requests += entry.requests;
        now.jobs += entry.jobs;
        this.pendingByAccount.set(id, now);
      }
      for (const [keyId, used] of lastUsed) if (!this.pendingLastUsed.has(keyId)) this.pendingLastUsed.set(keyId, used);
      throw error;
    }
    for (const [id, entry] of counts) {
      const keyId = id.slice(0, id.indexOf('|'));
      this.addToSnapshot(`key:${keyId}|${entry.period}`, entry);
      this.addToSnapshot(`acct:${entry.accountId}|${entry.period}`, entry);
    }
  }

  private addToSnapshot(id: string, delta: Counts): void {
    const snapshot = this.snapshots.get(id);
    if (!snapshot) return;
    snapshot.requests += delta.requests;
    snapshot.jobs += delta.jobs;
  }
}
