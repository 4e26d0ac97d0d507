// The revocation bus's contract, the same for both implementations (platform/database/revocation-bus/):
// two stores opened on one database are two instances, each with a real KeyService and its cache.
// PostgreSQL carries revocations by NOTIFY with receipts; SQLite by the other connection's commit
// (data_version). The assertion is the same for both: the other instance's cache no longer answers.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../platform/key-format.js';
import {
  RECEIPT_WAIT_MS,
  type RevocationBus,
  type RevocationFollower,
} from '../../platform/database/revocation-bus/index.js';
import { KeyService } from '../../key-service/service/key-service.js';
import { createProAccount } from '../support/harness.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import type { Store } from '../../platform/database/database.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.js';

const CONTEXT = { actor: { type: 'system' as const, id: 'test' } };
// Long enough that no drop below can be the TTL's doing: only the bus empties a cache.
const LONG_TTL_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SQLite's bus asks data_version at most once a millisecond (of the wall clock). A revocation
 * committed within the very millisecond of the follower's last question would be seen one
 * millisecond later, which no request of another process can beat; the tests step past it.
 */
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((resolve) => setImmediate(resolve));
}

async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (const started = Date.now(); !(await done()); await sleep(20)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe.each(DIALECTS)('the revocation bus on %s', (dialect) => {
  let database: TestDatabase;
  let storeA: Store;
  let storeB: Store;
  let accountId: string;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    [storeA, storeB] = [await database.open(), await database.open()];
    const created = await createProAccount(new KeyService(storeB), 'Bus', `bus-${Date.now()}@example.com`);
    accountId = created.account.id;
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await database?.drop();
  });

  /** Instance A and instance B, each a KeyService with an empty cache on its own store. */
  const instances = () =>
    [new KeyService(storeA, { cacheTtlMs: LONG_TTL_MS }), new KeyService(storeB, { cacheTtlMs: LONG_TTL_MS })] as const;

  async function follow(service: KeyService): Promise<() => Promise<void>> {
    // A lost listener is reported here; the tests below cut one on purpose.
    const stop = await service.followRevocations(() => undefined);
    stops.push(stop);
    return stop;
  }

  const newKey = (service: KeyService, name = 'Shared') => service.createKey(accountId, { name }, CONTEXT);

  /** The key is in the service's cache: it answers without the database. */
  async function cachedOn(service: KeyService, key: CreatedKey): Promise<void> {
    expect((await service.authenticate(key.key))?.id).toBe(key.id);
    expect(service.authenticateFromCache(key.key)?.id).toBe(key.id);
  }

  const answersFromCache = (service: KeyService, key: CreatedKey) =>
    service.authenticateFromCache(key.key) !== undefined;

  /**
   * This process's listener backends on PostgreSQL that have run their LISTEN: the last query one
   * shows is that, or an acknowledgement it sent since. A terminated one can linger a while.
   */
  async function listenerPids(): Promise<Set<number>> {
    const { rows } = await sql<{
      pid: number;
    }>`select pid from pg_stat_activity where application_name = ${`lfk-listener-${process.pid}`}
      and (query ilike 'listen%' or query ilike 'select pg_notify%')`.execute(storeB.db);
    return new Set(rows.map((row) => row.pid));
  }

  /** The pid of a listener backend not among `known`, once there is one. */
  async function newListener(known: Set<number>): Promise<number> {
    let found: number | undefined;
    await until(
      async () => (found = [...(await listenerPids())].find((pid) => !known.has(pid))) !== undefined,
      'a new listener connection',
    );
    return found!;
  }

  it('a revocation published by one instance has left the other’s cache once the publish resolves', async () => {
    const [a, b] = instances();
    await follow(a);
    await follow(b);
    for (let round = 0; round < 5; round++) {
      const key = await newKey(b, `Shared ${round}`);
      await cachedOn(a, key);
      await cachedOn(b, key);
      await nextMillisecond();
      // B revokes and publishes (KeyService.forget); on PostgreSQL this resolves only once A acknowledged.
      await b.revokeKey(accountId, key.id, undefined, CONTEXT);
      expect(answersFromCache(a, key)).toBe(false);
      expect(answersFromCache(b, key)).toBe(false);
      expect(await a.authenticate(key.key)).toBeNull();
    }
  });

  it('a signal that may have been missed empties the whole cache: another writer (SQLite), a lost listener (PostgreSQL)', async () => {
    const [a, b] = instances();
    const before = dialect === 'postgres' ? await listenerPids() : new Set<number>();
    await follow(a);
    const live = await newKey(b, 'Live');
    await cachedOn(a, live);
    if (dialect === 'sqlite') {
      await nextMillisecond();
      // Another connection commits a write that revokes nothing.
      await storeB.db.updateTable('accounts').set({ name: 'Bus, renamed' }).where('id', '=', accountId).execute();
      expect(answersFromCache(a, live)).toBe(false);
    } else {
      const listenerA = await newListener(before);
      await follow(b);
      const listenerB = await newListener(new Set([...before, listenerA]));
      await sql`select pg_terminate_backend(${listenerA})`.execute(storeB.db);
      await until(() => !answersFromCache(a, live), 'A to empty its cache');
      // A listens again, and the new connection carries the next revocation.
      await newListener(new Set([...before, listenerA, listenerB]));
      const next = await newKey(b, 'After reconnect');
      await cachedOn(a, next);
      await b.revokeKey(accountId, next.id, undefined, CONTEXT);
      expect(answersFromCache(a, next)).toBe(false);
    }
    // Dropped, not refused: the key is still live.
    expect((await a.authenticate(live.key))?.id).toBe(live.id);
  });

  it('a publish with nobody following resolves promptly', async () => {
    for (const bus of [storeA.revocationBus, storeB.revocationBus]) {
      const started = performance.now();
      await bus.publish(['e'.repeat(64)]);
      await bus.publish([]);
      expect(performance.now() - started).toBeLessThan(RECEIPT_WAIT_MS / 2);
    }
  });

  it('stop() stops following', async () => {
    const [a, b] = instances();
    const stop = await follow(a);
    const key = await newKey(b, 'Unheard');
    await cachedOn(a, key);
    await stop();
    await nextMillisecond();
    await b.revokeKey(accountId, key.id, undefined, CONTEXT);
    await sleep(200); // time enough for a notification to arrive, had anyone listened
    await nextMillisecond();
    // Nobody told A: its cache still answers, until the TTL.
    expect(a.authenticateFromCache(key.key)?.id).toBe(key.id);
    expect(answersFromCache(b, key)).toBe(false);
  });

  it(`trusts a cached key for ${dialect === 'sqlite' ? '60 s' : '1 s'} by default`, async () => {
    const ttl = dialect === 'sqlite' ? 60_000 : 1_000;
    expect([storeA.revocationBus.cacheTtlMs, storeB.revocationBus.cacheTtlMs]).toEqual([ttl, ttl]);
    const t0 = Date.now();
    const service = new KeyService(storeA, { now: () => new Date(t0) });
    const key = await newKey(service, 'Timed');
    expect(await service.authenticate(key.key)).not.toBeNull();
    expect(service.authenticateFromCache(key.key, new Date(t0 + ttl - 1))?.id).toBe(key.id);
    expect(service.authenticateFromCache(key.key, new Date(t0 + ttl))).toBeUndefined();
    // KeyServiceOptions.cacheTtlMs still wins.
    const short = new KeyService(storeA, { now: () => new Date(t0), cacheTtlMs: 10 });
    expect(await short.authenticate(key.key)).not.toBeNull();
    expect(short.authenticateFromCache(key.key, new Date(t0 + 10))).toBeUndefined();
  });

  it('KeyService takes its TTL from the bus (an injected one here), asks it before each cache read, publishes on it and follows it', async () => {
    const published: string[][] = [];
    let reads = 0;
    let follower: RevocationFollower | undefined;
    const bus: RevocationBus = {
      cacheTtlMs: 5_000,
      publish: async (sha256s) => void published.push([...sha256s]),
      follow: async (next) => {
        follower = next;
        return async () => void (follower = undefined);
      },
      beforeRead: () => void reads++,
    };
    const t0 = Date.now();
    const service = new KeyService(storeA, { revocationBus: bus, now: () => new Date(t0) });
    const [one, two] = [
      await service.createKey(accountId, { name: 'One' }, CONTEXT),
      await service.createKey(accountId, { name: 'Two' }, CONTEXT),
    ];
    expect(await service.authenticate(one.key)).not.toBeNull();
    expect(await service.authenticate(two.key)).not.toBeNull();
    expect(reads).toBeGreaterThan(0);
    expect(service.authenticateFromCache(one.key, new Date(t0 + 4_999))).toBeDefined();
    expect(service.authenticateFromCache(one.key, new Date(t0 + 5_000))).toBeUndefined();

    const stop = await service.followRevocations(() => undefined);
    expect(await service.authenticate(one.key)).not.toBeNull();
    follower!.drop([sha256Hex(one.key)]);
    expect(service.authenticateFromCache(one.key)).toBeUndefined();
    expect(service.authenticateFromCache(two.key)).toBeDefined();
    follower!.dropAll();
    expect(service.authenticateFromCache(two.key)).toBeUndefined();

    await service.revokeKey(accountId, two.id, undefined, CONTEXT);
    expect(published).toEqual([[sha256Hex(two.key)]]);
    await stop();
    expect(follower).toBeUndefined();
  });
});
