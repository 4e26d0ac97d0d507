// Lock-out after repeated failed sign-ins, per account e-mail and per client address, counted in
// the database so that spreading guesses over several instances does not help.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface ThrottleLimits {
  /** Failures for one e-mail address within `windowMs` that lock it. */
  perEmail: number;
  /** Failures from one client address within `windowMs` that lock it. */
  perAddress: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perEmail: 5, perAddress: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: ThrottleLimits,
    private readonly now: () => Date,
  ) {}

  private subjects(email: string, address: string): Array<[string, number]> {
    return [
      [`email:${email}`, this.limits.perEmail],
      [`ip:${address}`, this.limits.perAddress],
    ];
  }

  /** Milliseconds until sign-in is allowed again for this e-mail or address; 0 when it is. */
  async lockedFor(email: string, address: string): Promise<number> {
    const now = this.now();
    const rows = await this.db
      .selectFrom('web_login_throttle')
      .select('locked_until')
      .where('subject', 'in', this.subjects(email, address).map(([subject]) => subject))
      .where('locked_until', '>', now.toISOString())
      .execute();
    return Math.max(0, ...rows.map((row) => Date.parse(row.locked_until!) - now.getTime()));
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const now = this.now();
    const nowIso = now.toISOString();
    const windowStart = new Date(now.getTime() - this.limits.windowMs).toISOString();
    // Guesses at made-up addresses must not grow the table for ever: forget windows that ended.
    await this.db
      .deleteFrom('web_login_throttle')
      .where('window_started_at', '<', windowStart)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]))
      .execute();
    for (const [subject, limit] of this.subjects(email, address)) {
      // One atomic upsert per subject: concurrent failures all count, on both databases.
      const stale = sql<boolean>`web_login_throttle.window_started_at < ${windowStart}`;
      const row = await this.db
        .insertInto('web_login_throttle')
        .values({ subject, failures: 1, window_started_at: nowIso, locked_until: null })
        .onConflict((conflict) =>
          conflict.column('subject').doUpdateSet({
            failures: sql<number>`case when ${stale} then 1 else web_login_throttle.failures + 1 end`,
            window_started_at: sql<string>`case when ${stale} then ${nowIso} else web_login_throttle.window_started_at end`,
          }),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      if (Number(row.failures) >= limit) {
        await this.db
          .updateTable('web_login_throttle')
          .set({ failures: 0, window_started_at: nowIso, locked_until: new Date(now.getTime() + this.limits.lockMs).toISOString() })
          .where('subject', '=', subject)
          .execute();
      }
    }
  }

  /** A correct password clears the e-mail's count (not the address's: one's own account must not reset it). */
  async recordSuccess(email: string): Promise<void> {
    await this.db.deleteFrom('web_login_throttle').where('subject', '=', `email:${email}`).execute();
  }
}
