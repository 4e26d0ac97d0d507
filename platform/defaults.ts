// Defaults of the settings that `lfk serve` reads from LFK_* (cli/settings.ts) and that the part
// they configure falls back on when it is built without them (tests, benches, an embedder): one
// number each, so both agree. No imports: every command loads cli/settings.ts, `lfk scan` too,
// and must not load a server with it.

/** LFK_REPORT_RATE_LIMIT: requests a minute per client address to the unauthenticated report routes. */
export const DEFAULT_REPORT_RATE_LIMIT = 60;
/** LFK_KEY_RATE_LIMIT: requests a second one key may make on one instance. */
export const DEFAULT_KEY_RATE_LIMIT = 100;
/** LFK_AUTH_FAILURE_LIMIT: failed authentications a minute from one address before its unknown keys get 429. */
export const DEFAULT_AUTH_FAILURE_LIMIT = 60;
/** LFK_DATABASE_POOL_SIZE: PostgreSQL connections per process. */
export const DEFAULT_POOL_SIZE = 10;
/** LFK_BACKFILL_CONCURRENCY: repositories whose history one instance scans at once. */
export const DEFAULT_BACKFILL_CONCURRENCY = 2;
/** LFK_BACKFILL_LEASE_MS: how long after an instance stops renewing a history scan another may take it. */
export const DEFAULT_BACKFILL_LEASE_MS = 120_000;
