// SQLite's revocation bus. Other instances are other processes on the same file (`lfk keys revoke`
// beside a running server); they cannot send anything, but every commit they make changes this
// connection's `PRAGMA data_version`. A follower drops its whole cache when it changed, and needs
// no message: publishing is a no-op, the revocation's commit is the signal.
import type { RevocationBus, RevocationFollower } from './bus.js';

/** Every other writer is noticed before the next read, so the TTL only bounds memory staleness. */
const SQLITE_CACHE_TTL_MS = 60_000;

export class SqliteRevocationBus implements RevocationBus {
  readonly cacheTtlMs = SQLITE_CACHE_TTL_MS;
  private readonly followers = new Set<RevocationFollower>();
  /** Prepared once: asked on the hot path. Changes only on other connections' commits, not ours. */
  private readonly dataVersion: () => number;
  private seenDataVersion: number;
  private checkedAtMs = 0;

  /** `database` must be the connection the store writes through: our own commits are no news. */
  constructor(database: import('better-sqlite3').Database) {
    const statement = database.prepare('PRAGMA data_version').pluck();
    this.dataVersion = () => statement.get() as number;
    this.seenDataVersion = this.dataVersion();
  }

  async publish(): Promise<void> {}

  async follow(follower: RevocationFollower): Promise<() => Promise<void>> {
    // Those already following hear of a write made while nobody asked; the newcomer starts clean.
    this.check();
    this.followers.add(follower);
    follower.dropAll();
    return async () => void this.followers.delete(follower);
  }

  /**
   * Asked at most once a millisecond: the question costs a statement, and no other process can
   * commit a revocation and have its next request reach us within a millisecond.
   */
  beforeRead(nowMs: number): void {
    if (this.followers.size === 0 || nowMs === this.checkedAtMs) return;
    this.checkedAtMs = nowMs;
    this.check();
  }

  private check(): void {
    const version = this.dataVersion();
    if (version === this.seenDataVersion) return;
    this.seenDataVersion = version;
    for (const follower of this.followers) follower.dropAll();
  }
}
