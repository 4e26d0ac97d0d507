// Sessions of signed-in people, kept in the database so every instance behind a load balancer
// knows them. The cookie carries a random token; only its SHA-256 is stored, so a copy of the
// database does not sign anyone in.
import type { Kysely } from 'kysely';
import { newId, randomToken } from '../../platform/ids.js';
import { sha256Hex } from '../../platform/key-format.js';
import type { Database } from '../../platform/database/schema.js';

export interface SignedIn {
  sessionId: string;
  userId: string;
  email: string;
  accountId: string;
  csrfToken: string;
}

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 2 * 3_600_000, maxMs: 12 * 3_600_000 };

/** `last_seen_at` is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 60_000;

export class Sessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: SessionLimits,
    private readonly now: () => Date,
  ) {}

  /** Starts a session; returns the token for the cookie (never stored). */
  async create(
    user: { id: string; account_id: string },
    client: { ip: string | null; userAgent: string | undefined },
  ): Promise<string> {
    const token = randomToken();
    const now = this.now();
    await this.db.deleteFrom('web_sessions').where('expires_at', '<=', now.toISOString()).execute();
    await this.db
      .insertInto('web_sessions')
      .values({
        id: newId('ses'),
        token_sha256: sha256Hex(token),
        user_id: user.id,
        account_id: user.account_id,
        csrf_token: randomToken(),
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.limits.maxMs).toISOString(),
        ip: client.ip,
        user_agent: client.userAgent?.slice(0, 512) ?? null,
      })
      .execute();
    return token;
  }

  /** The live session behind a cookie's token, or null (unknown, ended, idle too long). */
  async resolve(token: string | undefined): Promise<SignedIn | null> {
    if (!token || token.length > 100) return null;
    const now = this.now();
    const row = await this.db
      .selectFrom('web_sessions')
      .innerJoin('users', 'users.id', 'web_sessions.user_id')
      .select([
        'web_sessions.id',
        'web_sessions.user_id',
        'web_sessions.account_id',
        'web_sessions.csrf_token',
        'web_sessions.last_seen_at',
        'web_sessions.expires_at',
        'users.email',
      ])
      .where('web_sessions.token_sha256', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row) return null;
    const idleSince = now.getTime() - Date.parse(row.last_seen_at);
    if (row.expires_at <= now.toISOString() || idleSince > this.limits.idleMs) {
      await this.end(token);
      return null;
    }
    if (idleSince > TOUCH_EVERY_MS) {
      await this.db
        .updateTable('web_sessions')
        .set({ last_seen_at: now.toISOString() })
        .where('id', '=', row.id)
        .execute();
    }
    return {
      sessionId: row.id,
      userId: row.user_id,
      email: row.email,
      accountId: row.account_id,
      csrfToken: row.csrf_token,
    };
  }

  async end(token: string | undefined): Promise<void> {
    if (!token || token.length > 100) return;
    await this.db.deleteFrom('web_sessions').where('token_sha256', '=', sha256Hex(token)).execute();
  }
}
