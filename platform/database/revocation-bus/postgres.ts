// PostgreSQL's revocation bus: NOTIFY lfk_key_revoked with the hashes, heard by every instance on
// a LISTENing connection of its own, each of which acknowledges once it has dropped them
// (receipts.ts). A lost listener connection drops the whole cache and reconnects.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { RevocationBus, RevocationFollower } from './bus.js';
import {
  ACK_CHANNEL,
  RECEIPT_WAIT_MS,
  RevocationReceipts,
  ackPayload,
  parseRevocationPayload,
  randomId,
  revocationPayload,
} from './receipts.js';

export const REVOCATION_CHANNEL = 'lfk_key_revoked';

/** So that even with a lost NOTIFY no instance accepts a key revoked more than a second earlier. */
const POSTGRES_CACHE_TTL_MS = 1_000;

const LISTENER_NAME_PREFIX = 'lfk-listener-';

export class PostgresRevocationBus implements RevocationBus {
  readonly cacheTtlMs = POSTGRES_CACHE_TTL_MS;
  private readonly receipts = new RevocationReceipts();
  /** Whether our listener is connected: only then can acknowledgements be heard. */
  private connected: () => boolean = () => false;

  /** `db` is the store's pool, for NOTIFY; `url` is for the listener's own connection. */
  constructor(
    private readonly pg: typeof import('pg').default,
    private readonly url: string,
    private readonly db: Kysely<Database>,
  ) {}

  async publish(sha256s: readonly string[]): Promise<void> {
    // NOTIFY payloads are limited to 8000 bytes: 100 hashes (6.5 kB) per message.
    const messages: { id: string; sha256s: readonly string[] }[] = [];
    for (let start = 0; start < sha256s.length; start += 100)
      messages.push({ id: randomId(), sha256s: sha256s.slice(start, start + 100) });
    // Only a process that listens hears acknowledgements (the server, `lfk keys revoke`).
    // At least ourselves: our own copy coming back is the least a receipt can be.
    const listeners = this.connected() ? Math.max(1, await countListeners(this.db)) : 0;
    const acknowledged = this.receipts.wait(
      messages.map((message) => message.id),
      listeners,
      RECEIPT_WAIT_MS,
    );
    for (const message of messages) {
      await sql`select pg_notify(${REVOCATION_CHANNEL}, ${revocationPayload(message.id, message.sha256s)})`.execute(
        this.db,
      );
    }
    await acknowledged;
  }

  /**
   * A dedicated connection that LISTENs, and reconnects (with a full flush) when it drops. It
   * acknowledges each revocation once the cache is emptied, and hears the others' acknowledgements.
   */
  async follow(
    follower: RevocationFollower,
    onError: (error: Error) => void = () => undefined,
  ): Promise<() => Promise<void>> {
    const { pg, receipts } = this;
    let client: import('pg').Client | undefined;
    let stopped = false;
    let retryTimer: NodeJS.Timeout | undefined;
    let attempt = 0;
    const listenerUrl = withoutApplicationName(this.url);

    const connect = async (): Promise<void> => {
      // Named so operators (and tests) can find this instance's listener in pg_stat_activity.
      const next = new pg.Client({
        connectionString: listenerUrl,
        connectionTimeoutMillis: 3000,
        application_name: `${LISTENER_NAME_PREFIX}${process.pid}`,
      });
      const listenerId = randomId();
      // pg wants one query at a time per client: acknowledgements wait for the LISTEN and each other.
      let previous: Promise<unknown> = Promise.resolve();
      const inTurn = (text: string, values?: string[]): Promise<unknown> => {
        const run = () => next.query(text, values);
        const done = previous.then(run, run);
        previous = done.catch(() => undefined);
        return done;
      };
      next.on('notification', (message) => {
        if (!message.payload) return;
        if (message.channel === ACK_CHANNEL) return receipts.acknowledged(message.payload);
        if (message.channel !== REVOCATION_CHANNEL) return;
        const { id, sha256s } = parseRevocationPayload(message.payload);
        follower.drop(sha256s);
        if (id) inTurn('select pg_notify($1, $2)', [ACK_CHANNEL, ackPayload(id, listenerId)]).catch(() => undefined);
      });
      next.on('error', (error) => {
        onError(error);
        lost(next);
      });
      next.on('end', () => lost(next));
      try {
        await next.connect();
        await inTurn(`LISTEN ${REVOCATION_CHANNEL}; LISTEN ${ACK_CHANNEL}`);
      } catch (error) {
        // A half-made connection would keep its socket, and the process, alive.
        next.end().catch(() => undefined);
        throw error;
      }
      // Stopped while this reconnect was on its way: it must not outlive the stop.
      if (stopped) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      attempt = 0;
      // Anything revoked while we were not listening is unknown to us: start clean.
      follower.dropAll();
    };

    const lost = (which: import('pg').Client) => {
      if (stopped || client !== which) return;
      client = undefined;
      follower.dropAll();
      receipts.lost();
      which.end().catch(() => undefined);
      scheduleReconnect();
    };

    const scheduleReconnect = () => {
      if (stopped || retryTimer) return;
      const delay = Math.min(5000, 100 * 2 ** attempt++);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        connect().catch((error: Error) => {
          onError(error);
          scheduleReconnect();
        });
      }, delay);
      retryTimer.unref();
    };

    await connect();
    this.connected = () => client !== undefined;
    return async () => {
      stopped = true;
      this.connected = () => false;
      receipts.lost();
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    };
  }

  /** Nothing to ask: the listener hears revocations as they come. */
  beforeRead(): void {}
}

/** The listening instances on this database, as PostgreSQL sees their connections now. */
async function countListeners(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
    where datname = current_database() and application_name like ${`${LISTENER_NAME_PREFIX}%`}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** pg lets a URL's own application_name win over the one given beside it; listeners must keep theirs. */
function withoutApplicationName(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('application_name')) return url;
  parsed.searchParams.delete('application_name');
  return parsed.href;
}
