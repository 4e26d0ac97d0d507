// Two processes writing one SQLite file at once: a writer that finds the other holding the write
// lock waits for it (busy timeout) and then succeeds, instead of failing with SQLITE_BUSY
// ("database is locked"). A transaction that reads and then writes could not wait while it began
// with a deferred BEGIN: SQLite does not call the busy handler when a read transaction asks for the
// write lock (waiting could deadlock), so write transactions begin IMMEDIATE.
// The other writer is a real process (test/support/sqlite-writer.ts): better-sqlite3 waits
// synchronously, so a waiter and the holder in one thread would wait on each other.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accountRow } from '../support/account-row.js';
import { databaseTrouble } from '../../platform/database-trouble.js';
import type { Store } from '../../platform/database/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const WRITER = fileURLToPath(new URL('../support/sqlite-writer.ts', import.meta.url));

interface Writer {
  child: ChildProcessWithoutNullStreams;
  /** The next JSON line the writer prints with this event. */
  next(event: string): Promise<Record<string, any>>;
  go(): void;
}

const writers: Writer[] = [];

async function startWriter(args: string[]): Promise<Writer> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events: Record<string, any>[] = [];
  const waiting: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, any>);
    for (const wake of waiting.splice(0)) wake();
  });
  // 'close', not 'exit': by then every line the writer printed has been read.
  let closed = false;
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const writer: Writer = {
    child,
    async next(event) {
      for (;;) {
        const index = events.findIndex((message) => message.event === event);
        if (index >= 0) return events.splice(index, 1)[0]!;
        if (closed) throw new Error(`the writer exited (${child.exitCode}) before "${event}":\n${stderr}`);
        await Promise.race([new Promise<void>((resolve) => waiting.push(resolve)), exited]);
      }
    },
    go: () => child.stdin.write('go\n'),
  };
  writers.push(writer);
  await writer.next('ready');
  return writer;
}

/** A writer on `url` that has inserted 'held' and keeps its transaction (and the write lock) open for `ms`. */
async function holdingWriteLock(url: string, ms: number): Promise<Writer> {
  const holder = await startWriter(['hold', url, 'held', String(ms)]);
  holder.go();
  await holder.next('holding');
  return holder;
}

const insertAccount = (db: Store['db'], name: string) => db.insertInto('accounts').values(accountRow(name)).execute();

const accountNames = async (db: Store['db']) =>
  (await db.selectFrom('accounts').select('name').orderBy('name').execute()).map((row) => row.name);

describe('two processes writing one SQLite file', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    store = await database.open();
  });
  afterEach(async () => {
    for (const writer of writers.splice(0)) {
      writer.child.stdin.end();
      if (writer.child.exitCode === null) await new Promise((resolve) => writer.child.once('close', resolve));
    }
    await store.db.deleteFrom('accounts').execute();
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('waits the busy timeout out (5 s)', async () => {
    const { rows } = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(store.db);
    expect(rows[0]?.timeout).toBe(5000);
  });

  it("a read-then-write transaction in another process waits for this one's write lock, then sees its row", async () => {
    const other = await startWriter(['write', database.url, 'other']);
    const finished = other.next('done');
    let early: Record<string, any> | undefined;
    await store.db.transaction().execute(async (trx) => {
      expect(await accountNames(trx)).toEqual([]);
      await insertAccount(trx, 'first');
      // Holding the write lock now. The other process reads and then writes: it must wait.
      other.go();
      early = await Promise.race([
        finished,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000)),
      ]);
    });
    // Before the fix it failed at once with SQLITE_BUSY, while this transaction was still open.
    expect(early).toBeUndefined();
    const done = await finished;
    expect(done).toMatchObject({ ok: true, seen: ['first'] });
    expect(await accountNames(store.db)).toEqual(['first', 'other']);
  });

  it("a read-then-write transaction here waits for another process's write lock, then sees its row", async () => {
    const holder = await holdingWriteLock(database.url, 500);
    // better-sqlite3 waits synchronously, so this returns only once the holder committed.
    const seen = await store.db.transaction().execute(async (trx) => {
      const names = await accountNames(trx);
      await insertAccount(trx, 'second');
      return names;
    });
    expect(seen).toEqual(['held']);
    expect(await holder.next('done')).toMatchObject({ ok: true, seen: [] });
    expect(await accountNames(store.db)).toEqual(['held', 'second']);
  });

  it('a single write outside a transaction (autocommit) waits for the write lock too', async () => {
    const holder = await holdingWriteLock(database.url, 500);
    await insertAccount(store.db, 'autocommit');
    expect(await holder.next('done')).toMatchObject({ ok: true, seen: [] });
    expect(await accountNames(store.db)).toEqual(['autocommit', 'held']);
  });

  it("a transaction declared read only begins deferred: it reads at once, before the other's write is committed", async () => {
    const holder = await holdingWriteLock(database.url, 1500);
    const seen = await store.db
      .transaction()
      .setAccessMode('read only')
      .execute((trx) => accountNames(trx));
    expect(seen).toEqual([]);
    expect(await holder.next('done')).toMatchObject({ ok: true });
    expect(await accountNames(store.db)).toEqual(['held']);
  });

  it('a writer that waits in vain fails after the busy timeout with SQLITE_BUSY, which answers 503', async () => {
    const holder = await holdingWriteLock(database.url, 7000);
    const error = await store.db
      .transaction()
      .execute(async (trx) => {
        await accountNames(trx);
        await insertAccount(trx, 'too late');
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(databaseTrouble(error)).toEqual({ full: false, retryAfter: '5' });
    expect(await holder.next('done')).toMatchObject({ ok: true });
    // Nothing half done, and the connection is fine for the next transaction.
    await store.db.transaction().execute((trx) => insertAccount(trx, 'after'));
    expect(await accountNames(store.db)).toEqual(['after', 'held']);
  }, 20_000);

  it('four processes running read-then-write transactions at once all succeed', async () => {
    const others = await Promise.all([0, 1, 2].map((index) => startWriter(['hold', database.url, `p${index}`, '200'])));
    for (const other of others) other.go();
    for (let index = 0; index < 5; index++) {
      await store.db.transaction().execute(async (trx) => {
        await accountNames(trx);
        await insertAccount(trx, `m${index}`);
      });
    }
    const done = await Promise.all(others.map((other) => other.next('done')));
    expect(done.map((result) => result.ok)).toEqual([true, true, true]);
    expect(await accountNames(store.db)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'p0', 'p1', 'p2']);
  });
});
