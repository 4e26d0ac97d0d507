// The revocation bus: how a revocation made by one instance (or `lfk keys revoke`) reaches the
// key cache of every other, and how long a cache may trust what nobody told it. One shape, two
// implementations: PostgreSQL's LISTEN/NOTIFY with receipts (postgres.ts) and SQLite's
// `PRAGMA data_version` (sqlite.ts). The store opens the one for its database (`store.revocationBus`).

/** What a bus tells: these keys (by SHA-256) were revoked, or nothing cached can be trusted. */
export interface RevocationFollower {
  drop(sha256s: readonly string[]): void;
  dropAll(): void;
}

export interface RevocationBus {
  /**
   * How long a verified key may be trusted without a new look-up, when no signal reaches us:
   * 60 s on SQLite (every other writer is noticed) and 1 s on PostgreSQL (a NOTIFY can be lost).
   */
  readonly cacheTtlMs: number;
  /**
   * After a revocation commits: tells every other instance. Resolves once every following instance
   * has dropped the keys (PostgreSQL, bounded at RECEIPT_WAIT_MS), or at once when there is
   * nothing to wait for (SQLite: the commit itself is the signal).
   */
  publish(sha256s: readonly string[]): Promise<void>;
  /**
   * Tells `follower` what other instances and processes revoke from now on, and `dropAll` whenever
   * a signal may have been missed. Resolves when following has begun, with the function that stops it.
   */
  follow(follower: RevocationFollower, onError?: (error: Error) => void): Promise<() => Promise<void>>;
  /** The hot path, synchronous: called before each cache read, with the wall clock's milliseconds. */
  beforeRead(nowMs: number): void;
}
