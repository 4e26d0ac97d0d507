// Who may use the web page: a password sign-in (throttled), the sessions it starts, and the
// one-time setup of an empty installation. The page (key-service/web/) keeps the cookies, the CSRF
// defences and the HTML; what reads or writes the database is here.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { createAccount, type CreatedAccount, type NewAccount } from './accounts.js';
import { appendAuditEvent } from './audit.js';
import type { ServiceCall } from './service-call.js';
import { DEFAULT_SESSION_LIMITS, Sessions, type SessionLimits, type SignedIn } from './sessions.js';
import {
  claimSetupToken,
  hasAnyUser,
  isSetupTokenValid,
  issueSetupToken,
  releaseSetupToken,
  retireSetupTokens,
} from './setup-tokens.js';
import { DEFAULT_THROTTLE, SignInThrottle, type ThrottleLimits } from './sign-in-throttle.js';
import type { RequestContext } from './types.js';

/** The limits a caller may set; the defaults suit production. */
export interface SignInOptions {
  session?: Partial<SessionLimits> | undefined;
  throttle?: Partial<ThrottleLimits> | undefined;
}

export interface SignInLimits {
  session: SessionLimits;
  throttle: ThrottleLimits;
}

/** Where a sign-in comes from: its budget in the throttle, and what the session and the audit log record. */
export interface SignInClient {
  ip: string;
  userAgent: string | undefined;
}

/** A password sign-in: a session's token for the cookie, or why not (`knownUser`: the e-mail address has an account). */
export type PasswordSignIn =
  | { kind: 'signed_in'; token: string }
  | { kind: 'wrong_password'; knownUser: boolean }
  | { kind: 'locked' | 'busy'; retryMs: number; knownUser: boolean };

interface SigningIn {
  id: string;
  account_id: string;
  email: string;
}

// Unknown addresses cost the same scrypt work as known ones, so timing does not tell them apart.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hashPassword('not the password of anyone'));

export class SignIn {
  readonly limits: SignInLimits;
  private readonly sessions: Sessions;
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly db: Kysely<Database>,
    limits: SignInOptions,
    private readonly now: () => Date,
  ) {
    const session = {
      idleMs: limits.session?.idleMs ?? DEFAULT_SESSION_LIMITS.idleMs,
      maxMs: limits.session?.maxMs ?? DEFAULT_SESSION_LIMITS.maxMs,
    };
    this.limits = { session, throttle: { ...DEFAULT_THROTTLE, ...limits.throttle } };
    this.sessions = new Sessions(db, this.limits.session, now);
    this.throttle = new SignInThrottle(db, this.limits.throttle, now);
  }

  private call(): ServiceCall {
    return { db: this.db, now: this.now() };
  }

  /** The live session behind a cookie's token, or null (unknown, ended, idle too long). */
  session(token: string | undefined): Promise<SignedIn | null> {
    return this.sessions.resolve(token);
  }

  signOut(token: string | undefined): Promise<void> {
    return this.sessions.end(token);
  }

  /** False until the first account is set up: nobody can sign in yet. */
  hasAnyUser(): Promise<boolean> {
    return hasAnyUser(this.call());
  }

  /** A one-time setup link token when the database has no user yet, else null. */
  issueSetupToken(): Promise<string | null> {
    return issueSetupToken(this.call());
  }

  isSetupTokenValid(token: string | undefined): Promise<boolean> {
    return isSetupTokenValid(this.call(), token);
  }

  /** Checks a password within the sign-in limits; ends `previousToken`'s session when it starts a new one. */
  async withPassword(
    email: string,
    password: string,
    client: SignInClient,
    previousToken: string | undefined,
  ): Promise<PasswordSignIn> {
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'account_id', 'email', 'password_hash'])
      .where('email', '=', email)
      .executeTakeFirst();
    const failed = async (reason: 'wrong_password' | 'locked' | 'busy') => {
      if (user)
        await appendAuditEvent(this.call(), {
          accountId: user.account_id,
          type: 'user.login_failed',
          context: contextOf(client, user.id),
          data: { email, reason },
        });
    };

    // Counted before the password is checked: a burst sent at once gets no more checks than the limits.
    const admission = await this.throttle.admit(email, client.ip);
    if (admission.kind !== 'check') {
      await failed(admission.kind);
      return { kind: admission.kind, retryMs: admission.retryMs, knownUser: user !== undefined };
    }
    if (admission.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, admission.waitMs));
    const matches = await verifyPassword(password, user?.password_hash ?? (await decoy()));
    if (!user || !matches) {
      await admission.attempt.failed();
      await failed('wrong_password');
      return { kind: 'wrong_password', knownUser: user !== undefined };
    }
    await admission.attempt.succeeded();
    return { kind: 'signed_in', token: await this.start(user, 'password', client, previousToken) };
  }

  /**
   * Creates the first account through a setup link, and signs its owner in; null when the link is
   * dead. A mistake in the form (ApiError) gives the link back, so the person may correct it.
   */
  async setUp(
    setupToken: string,
    input: NewAccount,
    client: SignInClient,
    previousToken: string | undefined,
  ): Promise<{ token: string; created: CreatedAccount } | null> {
    if (!(await claimSetupToken(this.call(), setupToken))) return null;
    try {
      const created = await createAccount(this.call(), input);
      await retireSetupTokens(this.call());
      const token = await this.start(
        { id: created.user.id, account_id: created.account.id, email: created.user.email },
        'setup',
        client,
        previousToken,
      );
      return { token, created };
    } catch (error) {
      await releaseSetupToken(this.call(), setupToken);
      throw error;
    }
  }

  private async start(
    user: SigningIn,
    via: 'password' | 'setup',
    client: SignInClient,
    previousToken: string | undefined,
  ): Promise<string> {
    await this.sessions.end(previousToken);
    const token = await this.sessions.create(user, client);
    await appendAuditEvent(this.call(), {
      accountId: user.account_id,
      type: 'user.login',
      context: contextOf(client, user.id),
      data: { email: user.email, via },
    });
    return token;
  }
}

function contextOf(client: SignInClient, userId: string): RequestContext {
  return { actor: { type: 'user', id: userId }, ip: client.ip, userAgent: client.userAgent };
}
