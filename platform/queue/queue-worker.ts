// Runs a durable queue (queue.ts): claims due rows, hands each to `handle`, and marks it done or
// schedules a retry with exponential backoff. Used by the webhook inbox and the notification outbox.
import type { Logger } from '../logger.js';
import { errorFields } from '../logger.js';
import { isUnavailableError } from '../database-trouble.js';
import type { Store } from '../database/database.js';
import { claimRows, completeRow, releaseRow, renewLease, type QueueRow, type QueueTable } from './queue.js';

/** An error that retrying cannot fix (a 404 from GitHub, a malformed stored payload): fail at once. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** An error of something that will come back (the key service, the database): retried without limit. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** A peer asked us to wait (429, or 403 rate-limited, with Retry-After): retried without limit, not sooner than asked. */
export class RetryLaterError extends UnavailableError {
  override name = 'RetryLaterError';

  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface QueueWorkerOptions<T extends QueueTable> {
  store: Store;
  table: T;
  logger: Logger;
  /** Does the work of one row; its answer is stored as the row's result. */
  handle(row: QueueRow<T>): Promise<unknown>;
  /** Rows processed at once by this worker (default 4). */
  concurrency?: number;
  /** How often to look for due rows when nothing woke the worker (default 500 ms). */
  pollMs?: number;
  /** How long a claim lasts before another worker may take the row over (default 120 s). */
  leaseMs?: number;
  /** Attempts before an ordinary error fails the row (default 10). Unavailable errors retry forever. */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt (default 1 s), capped at maxDelayMs (default 10 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Waits this long before the first claim (LFK_INBOX_START_DELAY_MS; for crash tests). */
  startDelayMs?: number;
}

export class QueueWorker<T extends QueueTable> {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private woken = false;
  private cancelStart: (() => void) | undefined;

  constructor(private readonly options: QueueWorkerOptions<T>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.delayStart(this.options.startDelayMs ?? 0).then(() => this.run());
  }

  /** Looks for work now (called after a delivery is stored). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming and waits for the rows in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelStart?.();
    this.wakeUp?.();
    await this.loop;
  }

  /** Processes every due row once (tests); returns how many were handled. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.tick();
      if (handled === 0) return total;
      total += handled;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.tick();
      } catch (error) {
        // The database itself is unreachable: wait a poll interval and try again.
        this.options.logger.warn('queue claim failed; will retry', {
          queue: this.options.table,
          ...errorFields(error),
        });
      }
      if (handled === 0 && this.running) await this.sleep(this.options.pollMs ?? 500);
    }
  }

  /** The start delay is not cut short by wake(): new deliveries must wait too (crash tests). */
  private delayStart(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref?.();
      this.cancelStart = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || ms <= 0) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      this.wakeUp = done;
      this.timer = setTimeout(done, ms);
      this.timer.unref?.();
    });
  }

  private async tick(): Promise<number> {
    const { store, table } = this.options;
    const rows = await claimRows(store, table, this.options.concurrency ?? 4, this.leaseMs());
    await Promise.all(rows.map((row) => this.process(row)));
    return rows.length;
  }

  private async process(row: QueueRow<T>): Promise<void> {
    const { store, table, logger } = this.options;
    // Let pending I/O (HTTP answers) run first: on SQLite every query is synchronous underneath.
    await new Promise((resolve) => setImmediate(resolve));
    // Work that outlasts a lease (a big clone) keeps its claim while this process lives; a process
    // that dies stops renewing, and the row is claimed again once the lease runs out.
    const lease = this.leaseMs();
    const renewal = setInterval(() => void renewLease(store, table, row, lease).catch(() => undefined), lease / 3);
    renewal.unref?.();
    try {
      const result = await this.options.handle(row);
      clearInterval(renewal);
      await completeRow(store, table, row, result);
    } catch (error) {
      clearInterval(renewal);
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const forever = error instanceof UnavailableError || isUnavailableError(error);
      const permanent = error instanceof PermanentError;
      const giveUp = permanent || (!forever && row.attempts >= (this.options.maxAttempts ?? 10));
      const asked = error instanceof RetryLaterError ? error.retryAfterMs : 0;
      const retryAt = giveUp ? null : new Date(Date.now() + Math.max(this.delayFor(row.attempts), asked));
      logger.warn(giveUp ? 'queue item failed for good' : 'queue item failed; will retry', {
        queue: table,
        id: row.id,
        attempts: row.attempts,
        retry_at: retryAt?.toISOString(),
        ...errorFields(error),
      });
      await releaseRow(store, table, row, message, retryAt).catch((releaseError) =>
        logger.warn('could not release a queue item; its lease will run out', {
          queue: table,
          id: row.id,
          ...errorFields(releaseError),
        }),
      );
    }
  }

  private leaseMs(): number {
    return this.options.leaseMs ?? 120_000;
  }

  /** Exponential backoff with ±20% jitter, so retries of many rows do not arrive together. */
  private delayFor(attempts: number): number {
    const base = this.options.baseDelayMs ?? 1000;
    const max = this.options.maxDelayMs ?? 600_000;
    const delay = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }
}
