// The key service: one object that the HTTP routes, the CLI, the web page and the webhook
// server call. It owns the key cache, so every revocation path empties it at once.
import { notFound, PartlyReportedError } from '../../platform/errors.js';
import { Counter } from '../../platform/metrics.js';
import { KEY_LENGTH, isWellFormedKey, sha256Hex } from '../../platform/key-format.js';
import type { RevocationBus } from '../../platform/database/revocation-bus/index.js';
import type { Store } from '../../platform/database/database.js';
import type { Plan } from './types.js';
import {
  createAccount,
  findAccountRow,
  toAccountObject,
  updateAccount,
  type AccountChanges,
  type NewAccount,
} from './accounts.js';
import { listAuditEvents } from './audit.js';
import {
  reportExposedHashes,
  reportExposedKeys,
  reportExposedSha256s,
  verifyKeys,
  type ExposureOutcome,
  type ExposureRevocation,
  type FoundSha256,
  type OnCommitted,
} from './exposures.js';
import { createJob, getJob } from './jobs.js';
import { KeyCache, type VerifiedKey } from './key-cache.js';
import { parseScopes } from './key-objects.js';
import type { ServiceCall } from './service-call.js';
import {
  createKey,
  getKey,
  listKeys,
  recordExpirations,
  revokeKey,
  rollKey,
  type KeyListOptions,
  type NewKey,
} from './keys.js';
import { SignIn, type SignInOptions } from './sign-in.js';
import type { ExposureSource, RequestContext, RevokedReason } from './types.js';
import { UsageRecorder, periodOf, type Counts } from './usage.js';

export interface KeyServiceOptions {
  /**
   * How long a verified key is trusted without a new look-up. Default: the revocation bus's
   * (60 s on SQLite, 1 s on PostgreSQL; platform/database/revocation-bus/).
   */
  cacheTtlMs?: number;
  /** How revocations reach other instances and theirs reach us (default: the store's). */
  revocationBus?: RevocationBus;
  /** The clock, for tests of expiry and rotation. */
  now?: () => Date;
  /** How often counters and `last_used` are written (default 1 s). */
  flushIntervalMs?: number;
  /** How often passed expiries are recorded as `key.expired` (default 30 s). */
  expirySweepIntervalMs?: number;
  /** `LFK_ALLOW_PRIVATE_URLS=1`: a notification URL may name an address inside the network. */
  allowPrivateUrls?: boolean | undefined;
}

export interface UsageReport {
  account: { id: string; plan: Plan; period_start: string; period_end: string; requests: number; jobs: number };
  key: { id: string; name: string; requests: number; last_used_at: string | null };
}

export type ExposureListener = (revocations: ExposureRevocation[]) => void | Promise<void>;

export class KeyService {
  // Internals: callers go through the methods below (the cache's figures through cacheStats).
  private readonly cache: KeyCache;
  private readonly usage: UsageRecorder;
  readonly revocations = new Counter('lfk_key_revocations_total', 'Keys revoked, by reason.');
  readonly now: () => Date;
  private readonly exposureListeners: ExposureListener[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly revocationBus: RevocationBus;

  constructor(
    private readonly store: Store,
    private readonly options: KeyServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.revocationBus = options.revocationBus ?? store.revocationBus;
    this.cache = new KeyCache(options.cacheTtlMs ?? this.revocationBus.cacheTtlMs);
    this.usage = new UsageRecorder(store.db);
  }

  private get db() {
    return this.store.db;
  }

  /** What an operation works with: the database, and this moment of the service's clock. */
  private call(now: Date = this.now()): ServiceCall {
    return { db: this.db, now };
  }

  /** Starts the background writers (counters, expiries). `stop()` ends them and writes what is left. */
  start(onError: (error: unknown) => void): void {
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => void task().catch(onError), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.flushIntervalMs ?? 1000, () => this.usage.flush());
    every(this.options.expirySweepIntervalMs ?? 30_000, () => this.sweepExpirations());
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.usage.flush();
  }

  /** Writes the pending usage counters now (they are written every second anyway). */
  flushUsage(): Promise<void> {
    return this.usage.flush();
  }

  /** The key cache's figures, for /metrics. */
  cacheStats(): { hits: number; misses: number; entries: number } {
    return { hits: this.cache.hits, misses: this.cache.misses, entries: this.cache.size };
  }

  /** Drops every cached verification: after a change made to the database behind lfk's back. */
  forgetCachedKeys(): void {
    this.cache.clear();
  }

  /** Resolves when the database answers within `timeoutMs` (for /readyz); says which store it is. */
  async checkDatabase(timeoutMs: number): Promise<{ dialect: Store['dialect'] }> {
    await this.store.ping(timeoutMs);
    return { dialect: this.store.dialect };
  }

  onExposureRevoked(listener: ExposureListener): void {
    this.exposureListeners.push(listener);
  }

  /**
   * After a revocation commits: drops the keys from this instance's cache, tells every other
   * instance (the revocation bus).
   */
  async forget(sha256s: string[]): Promise<void> {
    if (sha256s.length === 0) return;
    for (const sha of sha256s) this.cache.delete(sha);
    // Resolves once every listening instance has dropped them too: the caller is answered only then.
    await this.revocationBus.publish(sha256s);
  }

  /**
   * Follows revocations made by other instances and processes (and, on PostgreSQL, lets this
   * instance's own revocations wait for every other's receipt); returns the function that stops it.
   */
  async followRevocations(onError: (error: Error) => void): Promise<() => Promise<void>> {
    const cache = this.cache;
    return this.revocationBus.follow(
      {
        drop: (sha256s) => {
          for (const sha of sha256s) cache.delete(sha);
        },
        dropAll: () => cache.clear(),
      },
      onError,
    );
  }

  // ── authentication (the hot path) ───────────────────────────────────────────

  /** The live key behind a presented token, or null for anything else (same answer for every reason). */
  async authenticate(token: string): Promise<VerifiedKey | null> {
    const cached = this.authenticateFromCache(token);
    if (cached !== undefined) return cached;
    // Malformed and bad-checksum tokens never reach the database.
    if (!isWellFormedKey(token)) return null;
    const sha256 = sha256Hex(token);
    const now = this.now();
    const row = await this.db
      .selectFrom('api_keys')
      .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
      .select([
        'api_keys.id',
        'api_keys.account_id',
        'api_keys.name',
        'api_keys.scopes',
        'api_keys.expires_at',
        'api_keys.revoked_at',
        'api_keys.last_used_at',
        'accounts.plan',
      ])
      .where('api_keys.sha256', '=', sha256)
      .executeTakeFirst();
    if (!row || row.revoked_at) {
      // Neither comes back (see key-cache.ts): the next presentation costs no lookup.
      this.cache.refuse(sha256, now.getTime());
      return null;
    }
    if (row.expires_at && row.expires_at <= now.toISOString()) return null;
    const verified: VerifiedKey = {
      id: row.id,
      accountId: row.account_id,
      accountPlan: row.plan as Plan,
      name: row.name,
      scopes: parseScopes(row.scopes),
      sha256,
      expiresAt: row.expires_at,
      expiresAtMs: row.expires_at === null ? null : Date.parse(row.expires_at),
      lastUsedAt: row.last_used_at,
    };
    this.cache.set(verified, now.getTime());
    return verified;
  }

  /**
   * The hot path, synchronous: the cached key, null when the cache knows it is refused, or
   * undefined when only the database can tell. Only keys with a valid checksum are ever cached,
   * so a hit needs no checksum test.
   */
  authenticateFromCache(token: string, now: Date = this.now()): VerifiedKey | null | undefined {
    if (token.length !== KEY_LENGTH) return null;
    const nowMs = now.getTime();
    // While following on SQLite: another process (`lfk keys revoke`) may have written, and then
    // nothing cached is trusted.
    this.revocationBus.beforeRead(Date.now());
    const cached = this.cache.get(sha256Hex(token), nowMs);
    if (!cached) return cached;
    return cached.expiresAtMs !== null && cached.expiresAtMs <= nowMs ? null : cached;
  }

  recordUse(key: VerifiedKey, ip: string | null, now: Date = this.now()): void {
    this.usage.recordRequest(key.id, key.accountId, ip, now);
  }

  async usageOf(key: VerifiedKey): Promise<UsageReport> {
    const now = this.now();
    return this.usageReport(key, now, await this.usage.usage(key.id, key.accountId, now));
  }

  /** The same without waiting, when this instance's totals are fresh (the hot path). */
  usageOfCached(key: VerifiedKey, now: Date = this.now()): UsageReport | undefined {
    const counts = this.usage.usageFromSnapshots(key.id, key.accountId, now);
    return counts && this.usageReport(key, now, counts);
  }

  private usageReport(key: VerifiedKey, now: Date, counts: { key: Counts; account: Counts }): UsageReport {
    const { start, end } = periodOf(now);
    return {
      account: {
        id: key.accountId,
        plan: key.accountPlan,
        period_start: start,
        period_end: end,
        requests: counts.account.requests,
        jobs: counts.account.jobs,
      },
      key: {
        id: key.id,
        name: key.name,
        requests: counts.key.requests,
        last_used_at: this.usage.lastUsedAt(key.id) ?? key.lastUsedAt,
      },
    };
  }

  // ── accounts ────────────────────────────────────────────────────────────────

  createAccount(input: NewAccount) {
    return createAccount(this.call(), input);
  }

  async getAccount(accountId: string) {
    return toAccountObject(await findAccountRow(this.db, accountId));
  }

  updateAccount(accountId: string, changes: AccountChanges, context: RequestContext) {
    return updateAccount(this.call(), accountId, changes, context, {
      allowPrivate: this.options.allowPrivateUrls ?? false,
    });
  }

  /**
   * The web page's sign-in, sessions and first-account setup, within these limits (the page's
   * options). Everything they keep is in the database, so several may share one service.
   */
  createSignIn(options: SignInOptions = {}): SignIn {
    return new SignIn(this.db, options, this.now);
  }

  // ── keys ────────────────────────────────────────────────────────────────────

  createKey(accountId: string, input: NewKey, context: RequestContext) {
    return createKey(this.call(), accountId, input, context);
  }

  listKeys(accountId: string, options: KeyListOptions) {
    return listKeys(this.call(), accountId, options);
  }

  getKey(accountId: string, keyId: string) {
    return getKey(this.call(), accountId, keyId);
  }

  /** The account a key belongs to (for operators, who address keys by id alone). */
  async accountOfKey(keyId: string): Promise<string> {
    const row = await this.db.selectFrom('api_keys').select('account_id').where('id', '=', keyId).executeTakeFirst();
    if (!row) throw notFound('key');
    return row.account_id;
  }

  async revokeKey(accountId: string, keyId: string, note: string | undefined, context: RequestContext) {
    const result = await revokeKey(this.call(), accountId, keyId, note, context);
    if (result.changed) this.revocations.inc({ reason: 'user' });
    await this.forget([result.sha256]);
    return result.key;
  }

  async rollKey(accountId: string, keyId: string, graceHours: number | undefined, context: RequestContext) {
    const result = await rollKey(this.call(), accountId, keyId, graceHours, context);
    if (result.oldRevoked) this.revocations.inc({ reason: 'rolled' });
    // The old key's expiry moved (or it was revoked): its cached entry is stale either way.
    await this.forget([result.oldSha256]);
    return result.created;
  }

  async sweepExpirations(): Promise<number> {
    const expired = await recordExpirations(this.call());
    await this.forget(expired);
    return expired.length;
  }

  listAuditEvents(accountId: string, options: { limit: number; cursor?: string | undefined }) {
    return listAuditEvents(this.call(), accountId, options);
  }

  // ── exposures ───────────────────────────────────────────────────────────────

  async reportExposures(keys: string[], source: ExposureSource, context: RequestContext, reason?: RevokedReason) {
    return this.exposing((onCommitted) =>
      reportExposedKeys(this.call(), keys, source, { context, onCommitted, reason }),
    );
  }

  async reportExposedHashes(
    hmslHashes: string[],
    source: ExposureSource,
    context: RequestContext,
    reason?: RevokedReason,
  ) {
    return this.exposing((onCommitted) =>
      reportExposedHashes(this.call(), hmslHashes, source, { context, onCommitted, reason }),
    );
  }

  /** By SHA-256 of the key, each with where it was found: what a webhook inbox holds, since it never stores a key. */
  async reportExposedSha256s(found: FoundSha256[], context: RequestContext, reason?: RevokedReason) {
    return this.exposing((onCommitted) => reportExposedSha256s(this.call(), found, { context, onCommitted, reason }));
  }

  /**
   * Runs a report whose transactions commit one after another. Each key leaves this instance's
   * cache the moment its transaction commits, keys found already revoked too (a cache, here or on
   * another instance, may still hold one after an earlier report failed half-way); every other
   * instance is told at the end, also when a later transaction fails.
   */
  private async exposing<R>(
    report: (committed: OnCommitted) => Promise<ExposureOutcome<R>>,
  ): Promise<ExposureOutcome<R>> {
    const dropped: string[] = [];
    const revoked: ExposureRevocation[] = [];
    const committed: OnCommitted = (batch) => {
      for (const sha of batch.sha256s) this.cache.delete(sha);
      dropped.push(...batch.sha256s);
      revoked.push(...batch.revoked);
      for (const revocation of batch.revoked) this.revocations.inc({ reason: revocation.reason });
    };
    try {
      const outcome = await report(committed);
      await this.afterExposure(dropped, revoked);
      return outcome;
    } catch (error) {
      if (dropped.length === 0) throw error;
      await this.afterExposure(dropped, revoked).catch(() => undefined);
      throw new PartlyReportedError(error, dropped.length);
    }
  }

  private async afterExposure(dropped: string[], revoked: ExposureRevocation[]): Promise<void> {
    await this.forget(dropped);
    if (revoked.length > 0) for (const listener of this.exposureListeners) await listener(revoked);
  }

  verifyKeys(keys: string[]) {
    return verifyKeys(this.call(), keys);
  }

  // ── jobs ────────────────────────────────────────────────────────────────────

  async createJob(key: VerifiedKey, fileUrl: string) {
    const now = this.now();
    const job = await createJob(this.call(now), key.accountId, key.id, fileUrl);
    this.usage.recordJob(key.id, key.accountId, now);
    return job;
  }

  getJob(accountId: string, jobId: string) {
    return getJob(this.call(), accountId, jobId);
  }
}
