// A revoking instance answers only once every listening instance acknowledged that it dropped the
// keys, or after a bound when one never does.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ACK_CHANNEL,
  RevocationReceipts,
  ackPayload,
  parseRevocationPayload,
  revocationPayload,
} from '../../platform/database/revocation-bus/receipts.js';
import { REVOCATION_CHANNEL } from '../../platform/database/revocation-bus/index.js';
import type { Store } from '../../platform/database/database.js';
import { POSTGRES_URL, createTestDatabase, type TestDatabase } from '../support/databases.js';

const ignored = { drop: () => undefined, dropAll: () => undefined };

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  for (let turn = 0; turn < 3; turn++) await Promise.resolve();
  return done;
};

describe('revocation receipts', () => {
  afterEach(() => vi.useRealTimers());

  it('waits for every listener to acknowledge every message, counting each listener once', async () => {
    const receipts = new RevocationReceipts();
    const waiting = receipts.wait(['m1', 'm2'], 2, 60_000);
    receipts.acknowledged(ackPayload('m1', 'a'));
    receipts.acknowledged(ackPayload('m1', 'a'));
    receipts.acknowledged(ackPayload('m2', 'a'));
    receipts.acknowledged(ackPayload('other', 'b'));
    receipts.acknowledged('garbage');
    expect(await settled(waiting)).toBe(false);
    receipts.acknowledged(ackPayload('m1', 'b'));
    expect(await settled(waiting)).toBe(false);
    receipts.acknowledged(ackPayload('m2', 'b'));
    expect(await settled(waiting)).toBe(true);
  });

  it('gives up after the bound, at once when our listener is lost, and never waits for nobody', async () => {
    vi.useFakeTimers();
    const receipts = new RevocationReceipts();
    const bounded = receipts.wait(['m'], 3, 1000);
    vi.advanceTimersByTime(999);
    expect(await settled(bounded)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settled(bounded)).toBe(true);
    const lost = receipts.wait(['n'], 1, 1000);
    receipts.lost();
    expect(await settled(lost)).toBe(true);
    expect(await settled(receipts.wait(['o'], 0, 1000))).toBe(true);
  });

  it('carries a message id that older instances read as one unknown hash', () => {
    const hashes = ['a'.repeat(64), 'b'.repeat(64)];
    const payload = revocationPayload('0123abcd', hashes);
    expect(parseRevocationPayload(payload)).toEqual({ id: '0123abcd', sha256s: hashes });
    expect(payload.split(',').slice(1)).toEqual(hashes);
    expect(parseRevocationPayload(hashes.join(','))).toEqual({ id: null, sha256s: hashes });
  });
});

describe.skipIf(!POSTGRES_URL)('revocations on PostgreSQL wait for every listener', () => {
  let database: TestDatabase;
  let publisher: Store;
  let stopListening: () => Promise<void>;
  const clients: import('pg').Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    publisher = await database.open();
    stopListening = await publisher.revocationBus.follow(ignored);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await stopListening?.();
    await publisher?.close();
    await database?.drop();
  });

  /** Another instance's listener, as PostgreSQL sees it: `ack` decides whether and when it answers. */
  async function otherListener(ack: (send: () => Promise<void>, sha256s: string[]) => void): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: database.url, application_name: 'lfk-listener-test' });
    clients.push(client);
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel !== REVOCATION_CHANNEL || !message.payload) return;
      const { id, sha256s } = parseRevocationPayload(message.payload);
      if (id)
        ack(
          async () => void (await client.query('select pg_notify($1, $2)', [ACK_CHANNEL, ackPayload(id, 'test')])),
          sha256s,
        );
    });
    await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
  }

  it('answers only after a slow instance has acknowledged', async () => {
    const hash = 'c'.repeat(64);
    let acknowledged = false;
    await otherListener((send, sha256s) => {
      if (!sha256s.includes(hash)) return void send();
      setTimeout(() => {
        acknowledged = true;
        void send();
      }, 200);
    });
    await publisher.revocationBus.publish([hash]);
    expect(acknowledged).toBe(true);
  });

  it('names its listener for the count even when the database URL sets application_name', async () => {
    const { openStore } = await import('../../platform/database/database.js');
    const named = async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query(
        'select count(*)::int as n from pg_stat_activity where application_name = $1',
        [`lfk-listener-${process.pid}`],
      );
      await client.end();
      return rows[0].n as number;
    };
    const before = await named();
    const store = await openStore(`${database.url}&application_name=ops-dashboard`, { migrate: false, poolSize: 1 });
    const stop = await store.revocationBus.follow(ignored);
    try {
      expect(await named()).toBe(before + 1);
    } finally {
      await stop();
      await store.close();
    }
  });

  it('a reconnect still on its way when the listener stops is closed once it gets through', async () => {
    const { openStore } = await import('../../platform/database/database.js');
    const { TcpProxy, throughProxy } = await import('../security/tcp-proxy.js');
    const target = new URL(database.url);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
    const store = await openStore(throughProxy(database.url, proxy), { migrate: false, poolSize: 1 });
    const stop = await store.revocationBus.follow(ignored);
    const until = async (done: () => boolean, failure: string) => {
      for (let waited = 0; !done(); waited += 20) {
        if (waited > 5000) throw new Error(failure);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      // The listener's connection drops; its reconnect waits at the proxy, unanswered.
      proxy.hold();
      await until(() => proxy.heldCount() > 0, 'the listener did not try to reconnect');
      await stop();
      const closedBefore = proxy.closedUpstreams;
      // The reconnect reaches PostgreSQL only after the stop. Left open, it would keep a stopping
      // server's process alive for ever.
      proxy.restore();
      await until(() => proxy.closedUpstreams > closedBefore, 'the connection made after the stop was never closed');
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('answers after the bound when an instance never acknowledges', async () => {
    await otherListener(() => undefined);
    await expect(publisher.revocationBus.publish(['d'.repeat(64)])).resolves.toBeUndefined();
    // Other suites share this database's channels: a silent listener would slow their revocations.
    await clients.pop()?.end();
  });
});
