// A revoking instance answers only once every listening instance has dropped the keys. Hearing
// our own NOTIFY back is not enough: PostgreSQL wakes each listener's backend separately, and an
// instance's event loop may serve a request before it reads its listener's socket. So every
// listener acknowledges each revocation message after it has emptied its cache, and the publisher
// waits for as many acknowledgements as there were listeners (bounded: a dead one must not hang it).
import { randomBytes } from 'node:crypto';

export const RECEIPT_WAIT_MS = 1000;
export const ACK_CHANNEL = 'lfk_key_revoked_ack';

/** Marks the message id in a revocation payload; older instances read it as one unknown hash. */
const ID_MARK = '#';

/** Ids for revocation messages and for listeners: unique enough among a cluster's instances. */
export function randomId(): string {
  return randomBytes(8).toString('hex');
}

/** `#id,hash,hash…`: the id lets listeners acknowledge this very message. */
export function revocationPayload(id: string, sha256s: readonly string[]): string {
  return [ID_MARK + id, ...sha256s].join(',');
}

export function parseRevocationPayload(payload: string): { id: string | null; sha256s: string[] } {
  const parts = payload.split(',');
  if (parts[0]?.startsWith(ID_MARK)) return { id: parts[0].slice(ID_MARK.length), sha256s: parts.slice(1) };
  return { id: null, sha256s: parts };
}

export const ackPayload = (messageId: string, listenerId: string) => `${messageId} ${listenerId}`;

export class RevocationReceipts {
  /** Message id → listeners that acknowledged it, and what to call when one more does. */
  private readonly waiting = new Map<string, { from: Set<string>; onAck: () => void }>();
  private readonly pending = new Set<() => void>();

  /** Resolves once `listeners` distinct listeners acknowledged every message, or after `timeoutMs`. */
  wait(messageIds: readonly string[], listeners: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let messagesLeft = messageIds.length;
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(done);
        for (const id of messageIds) this.waiting.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      if (messagesLeft === 0 || listeners <= 0) return done();
      this.pending.add(done);
      for (const id of messageIds) {
        const from = new Set<string>();
        const onAck = () => {
          if (from.size === listeners && --messagesLeft === 0) done();
        };
        this.waiting.set(id, { from, onAck });
      }
    });
  }

  /** An acknowledgement heard on the ack channel. */
  acknowledged(payload: string): void {
    const [messageId, listenerId] = payload.split(' ');
    const entry = messageId === undefined ? undefined : this.waiting.get(messageId);
    if (!entry || listenerId === undefined || entry.from.has(listenerId)) return;
    entry.from.add(listenerId);
    entry.onAck();
  }

  /** Our listener lost its connection: no acknowledgement can be heard, so nobody waits any more. */
  lost(): void {
    for (const done of [...this.pending]) done();
  }
}
