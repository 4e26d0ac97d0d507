// Sign-in limits that slow down a guesser and never let a stranger lock someone else out, counted
// in the database so that spreading guesses over several instances does not help:
// - one client address guessing one e-mail address: locked after a few failures (that pair only);
// - one client address guessing many e-mail addresses: locked after more failures (that address);
// - one e-mail address guessed from many client addresses: never locked, but past a few attempts
//   its password checks take turns, one per `emailSpacingMs`, so a distributed guesser gets one
//   guess a second while the owner waits a second at most (or is asked to retry in a few seconds).
// Every attempt is counted before its password is checked, atomically, so a burst sent at once
// cannot get more checks than the limits allow.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.js';
import { addressBucket } from '../../platform/http/address-bucket.js';

export interface ThrottleLimits {
  /** Failures from one client address for one e-mail address within `windowMs` that lock the pair. */
  perPair: number;
  /** Failures from one client address, whatever the e-mail addresses, within `windowMs` that lock it. */
  perAddress: number;
  /** Attempts for one e-mail address from anywhere within `windowMs` before its checks take turns. */
  perEmail: number;
  /** Past `perEmail`: one password check per this many milliseconds for that e-mail address. */
  emailSpacingMs: number;
  /** The longest an attempt waits for its turn; a longer queue answers "try again in a few seconds". */
  maxEmailWaitMs: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  perPair: 5,
  perAddress: 30,
  perEmail: 10,
  emailSpacingMs: 1000,
  maxEmailWaitMs: 5000,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

/** What an attempt may do: have its password checked (after `waitMs`), or be refused for `retryMs`. */
export type Admission =
  | { kind: 'check'; waitMs: number; attempt: Attempt }
  | { kind: 'locked' | 'busy'; retryMs: number };

/** The counted attempt; its outcome settles the counts. */
export interface Attempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

export class SignInThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: ThrottleLimits,
    private readonly now: () => Date,
  ) {}

  /** Counts an attempt before its password is checked, or refuses it. */
  async admit(email: string, address: string): Promise<Admission> {
    const now = this.now();
    await this.forgetEnded(now);
    // A client address counts as its budget: an IPv6 /64, or a whole IPv4 address (address-bucket.ts).
    const bucket = addressBucket(address);
    const pair = `pair:${bucket} ${email}`;
    const ip = `ip:${bucket}`;
    const mail = `email:${email}`;
    const held: string[] = [];
    const refuse = async (kind: 'locked' | 'busy', retryMs: number): Promise<Admission> => {
      for (const subject of held) await this.refund(subject);
      return { kind, retryMs };
    };
    for (const [subject, limit] of [
      [pair, this.limits.perPair],
      [ip, this.limits.perAddress],
    ] as const) {
      const reserved = await this.reserve(subject, limit, now);
      if (reserved !== true) return refuse(reserved.locked ? 'locked' : 'busy', reserved.retryMs);
      held.push(subject);
    }
    // An e-mail address is never locked: its attempts are only counted, to know when to take turns.
    const attempts = await this.reserve(mail, 2 ** 31 - 1, now);
    if (attempts === true) held.push(mail);
    const waitMs = await this.turnFor(mail, now);
    if (waitMs === undefined) return refuse('busy', this.limits.maxEmailWaitMs);
    return {
      kind: 'check',
      waitMs,
      attempt: {
        // A right password: the pair and the e-mail start afresh, the address gets its attempt back.
        succeeded: async () => {
          await this.db.deleteFrom('web_login_throttle').where('subject', 'in', [pair, mail]).execute();
          await this.refund(ip);
        },
        failed: async () => {
          for (const [subject, limit] of [
            [pair, this.limits.perPair],
            [ip, this.limits.perAddress],
          ] as const) {
            await this.lockAtLimit(subject, limit);
          }
        },
      },
    };
  }

  /** Guesses at made-up addresses must not grow the table for ever: forget windows that ended. */
  private async forgetEnded(now: Date): Promise<void> {
    const nowIso = now.toISOString();
    await this.db
      .deleteFrom('web_login_throttle')
      .where('window_started_at', '<', this.windowStart(now))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]))
      .where((eb) => eb.or([eb('next_check_ms', 'is', null), eb('next_check_ms', '<=', now.getTime())]))
      .execute();
  }

  /**
   * One atomic upsert: the attempt counts when the subject is not locked and has attempts left in
   * its window (a window that ended starts again at 1). Otherwise says why not and for how long.
   */
  private async reserve(
    subject: string,
    limit: number,
    now: Date,
  ): Promise<true | { locked: boolean; retryMs: number }> {
    const nowIso = now.toISOString();
    const stale = sql<boolean>`web_login_throttle.window_started_at < ${this.windowStart(now)}`;
    const row = await this.db
      .insertInto('web_login_throttle')
      .values({ subject, failures: 1, window_started_at: nowIso, locked_until: null, next_check_ms: null })
      .onConflict((conflict) =>
        conflict
          .column('subject')
          .doUpdateSet({
            failures: sql<number>`case when ${stale} then 1 else web_login_throttle.failures + 1 end`,
            window_started_at: sql<string>`case when ${stale} then ${nowIso} else web_login_throttle.window_started_at end`,
          })
          .where((eb) =>
            eb.and([
              eb.or([
                eb('web_login_throttle.locked_until', 'is', null),
                eb('web_login_throttle.locked_until', '<=', nowIso),
              ]),
              eb.or([stale, eb('web_login_throttle.failures', '<', limit)]),
            ]),
          ),
      )
      .returning('failures')
      .executeTakeFirst();
    if (row) return true;
    const current = await this.db
      .selectFrom('web_login_throttle')
      .select('locked_until')
      .where('subject', '=', subject)
      .executeTakeFirst();
    const lockedMs = current?.locked_until ? Date.parse(current.locked_until) - now.getTime() : 0;
    // Not locked yet: the attempts left are all being checked right now; one of them may lock it.
    return lockedMs > 0 ? { locked: true, retryMs: lockedMs } : { locked: false, retryMs: 5000 };
  }

  /** Milliseconds until this attempt's password check for the e-mail address, or undefined for "too many waiting". */
  private async turnFor(subject: string, now: Date): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('web_login_throttle')
      .select('failures')
      .where('subject', '=', subject)
      .executeTakeFirst();
    if (!row || Number(row.failures) <= this.limits.perEmail) return 0;
    const nowMs = now.getTime();
    const { emailSpacingMs: spacing, maxEmailWaitMs } = this.limits;
    // Take the next turn: the first free moment from now on, one spacing after the last taken.
    const taken = await this.db
      .updateTable('web_login_throttle')
      .set({
        next_check_ms: sql<number>`case when coalesce(next_check_ms, 0) < ${nowMs} then ${nowMs + spacing} else next_check_ms + ${spacing} end`,
      })
      .where('subject', '=', subject)
      .where(sql<boolean>`coalesce(next_check_ms, 0) <= ${nowMs + maxEmailWaitMs}`)
      .returning('next_check_ms')
      .executeTakeFirst();
    if (!taken) return undefined;
    return Math.max(0, Number(taken.next_check_ms) - spacing - nowMs);
  }

  /** After a wrong password: a subject that used up its attempts is locked, and its window starts again. */
  private async lockAtLimit(subject: string, limit: number): Promise<void> {
    const now = this.now();
    await this.db
      .updateTable('web_login_throttle')
      .set({
        failures: 0,
        window_started_at: now.toISOString(),
        locked_until: new Date(now.getTime() + this.limits.lockMs).toISOString(),
      })
      .where('subject', '=', subject)
      .where('failures', '>=', limit)
      .execute();
  }

  /** An attempt that was not a failure gives its count back. */
  private async refund(subject: string): Promise<void> {
    await this.db
      .updateTable('web_login_throttle')
      .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
      .where('subject', '=', subject)
      .execute();
  }

  private windowStart(now: Date): string {
    return new Date(now.getTime() - this.limits.windowMs).toISOString();
  }
}
