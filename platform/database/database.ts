// Opens the store: SQLite (better-sqlite3, WAL) or PostgreSQL (pg), behind one Kysely query
// layer. Drivers are imported on demand so neither is loaded unless used.
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { DEFAULT_POOL_SIZE } from '../defaults.js';
import type { Database } from './schema.js';
import { migrate } from './migrations.js';
import { PostgresRevocationBus, SqliteRevocationBus, type RevocationBus } from './revocation-bus/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * How revocations reach this database's other instances and theirs reach us, and how long a key
   * cache may trust what nobody told it (platform/database/revocation-bus/).
   */
  readonly revocationBus: RevocationBus;
  /** Resolves when the database answers a trivial query. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** Called when an idle PostgreSQL connection fails (it must not crash the process). */
  onPoolError?: (error: Error) => void;
}

export function parseDatabaseUrl(url: string): { dialect: Dialect; location: string } {
  if (url.startsWith('sqlite:')) {
    const location = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!location) throw new Error('LFK_DATABASE_URL "sqlite:" needs a path, for example sqlite:./lfk.db');
    return { dialect: 'sqlite', location };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', location: url };
  throw new Error(`LFK_DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:…")`);
}

export async function openStore(url: string, options: OpenOptions = {}): Promise<Store> {
  const { dialect, location } = parseDatabaseUrl(url);
  const store = dialect === 'sqlite' ? await openSqlite(location) : await openPostgres(location, options);
  if (options.migrate !== false) {
    try {
      await migrate(store.db, store.dialect);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  }
  return store;
}

/**
 * How long a SQLite writer waits for another connection's write lock (the server and `lfk` commands
 * are separate processes on one file) before it fails with SQLITE_BUSY, which answers 503.
 * better-sqlite3 waits synchronously: a waiting server is still for that long, as it would be
 * writing. Transactions here last milliseconds; a wait this long means something is stuck.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

async function openSqlite(path: string): Promise<Store> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  // `timeout` is SQLite's busy timeout (sqlite3_busy_timeout, the same as PRAGMA busy_timeout).
  const raw = new SqliteDatabase(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: sqliteDialect(raw) });
  return {
    db,
    dialect: 'sqlite',
    // On this very connection: its data_version changes with other connections' commits only.
    revocationBus: new SqliteRevocationBus(raw),
    async ping() {
      raw.prepare('select 1').get();
    },
    close: () => db.destroy(),
  };
}

/**
 * Kysely's SQLite dialect, with two changes to its transactions.
 *
 * They begin IMMEDIATE: they take the write lock at BEGIN, waiting the busy timeout out while
 * another process holds it. Kysely's plain (deferred) BEGIN takes it only at the first write, and a
 * transaction that has read by then cannot wait for it: SQLite answers SQLITE_BUSY ("database is
 * locked") at once rather than call the busy handler, since two readers each waiting to write
 * could deadlock. Nearly every transaction here reads and then writes (look the account up, then
 * insert the key), so with the server writing, `lfk keys revoke` failed, and the server answered
 * 503. Every `db.transaction()` in this code base is a write transaction, or one that may write
 * (the migrations; a revocation of a key already revoked). Reads run outside transactions, and in
 * WAL mode the write lock holds no reader up. The cost: other processes' writers now wait for the
 * whole transaction, not just from its first write, so nothing slow belongs inside one (a new key's
 * scrypt hash is made before its transaction: keys.ts newKeyMaterial). A single statement outside
 * a transaction (autocommit) asks for the write lock before it reads, and waits the busy timeout out already.
 *
 * A transaction SQLite already rolled back by itself (it does on SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_NOMEM) is not rolled back again: that second ROLLBACK fails with "no transaction is
 * active" and would hide the real error (a full disk would answer 500). A BEGIN IMMEDIATE that
 * waited in vain throws SQLITE_BUSY, which answers 503; Kysely rolls back only a begun transaction.
 */
function sqliteDialect(raw: import('better-sqlite3').Database): SqliteDialect {
  const dialect = new SqliteDialect({ database: raw });
  const createDriver = dialect.createDriver.bind(dialect);
  dialect.createDriver = () => {
    const driver = createDriver();
    // A transaction that only reads may say so (db.transaction().setAccessMode('read only'), which
    // PostgreSQL enforces): it begins deferred and waits for no writer. None does so far.
    driver.beginTransaction = async (connection, settings) => {
      await connection.executeQuery(
        CompiledQuery.raw(settings.accessMode === 'read only' ? 'begin' : 'begin immediate'),
      );
    };
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (...args) => {
      if (raw.inTransaction) await rollback(...args);
    };
    return driver;
  };
  return dialect;
}

async function openPostgres(url: string, options: OpenOptions): Promise<Store> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => options.onPoolError?.(error));
  // The pool listens for errors only on idle clients. A client checked out between two queries
  // (inside a transaction, say) whose connection drops emits 'error' with no listener, which would
  // crash the process. The query that next uses it fails on its own (and answers 503), and idle
  // clients' errors reach 'error' above, so this listener only has to exist.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    revocationBus: new PostgresRevocationBus(pg, url, db),
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database did not answer in time')), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`.execute(db), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => db.destroy(),
  };
}
