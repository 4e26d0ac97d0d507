// Accounts, their owners and their settings.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ApiError, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { privateUrlReason } from '../../platform/outbound/private-addresses.js';
import { hashPassword } from '../passwords.js';
import type { AccountsTable, Database } from '../../platform/database/schema.js';
import {
  DEFAULT_ROTATION_DAYS,
  MAX_ACCOUNT_NAME_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_ROTATION_DAYS,
  MIN_PASSWORD_LENGTH,
  MIN_ROTATION_DAYS,
} from '../../platform/limits/fields.js';
import { PLANS, isOneOf } from '../../platform/vocabulary.js';
import { appendAuditEvent } from './audit.js';
import type { ServiceCall } from './service-call.js';
import type { AccountObject, Plan, RequestContext } from './types.js';
import { refusePastedKey } from './no-pasted-keys.js';

export interface NewAccount {
  name: string;
  plan: Plan;
  email: string;
  password: string;
}

export interface CreatedAccount {
  account: { id: string; name: string; plan: Plan };
  user: { id: string; email: string };
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createAccount(call: ServiceCall, input: NewAccount): Promise<CreatedAccount> {
  const name = input.name.trim();
  const email = input.email.trim().toLowerCase();
  if (!name || name.length > MAX_ACCOUNT_NAME_LENGTH)
    throw new ApiError('invalid_request', `The account name must be 1 to ${MAX_ACCOUNT_NAME_LENGTH} characters.`);
  refusePastedKey('The account name', name);
  if (!isOneOf(PLANS, input.plan))
    throw new ApiError('invalid_request', `The plan must be one of ${PLANS.join(', ')}.`);
  if (!EMAIL_SHAPE.test(email) || email.length > MAX_EMAIL_LENGTH)
    throw new ApiError('invalid_request', 'The e-mail address is not valid.');
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new ApiError('invalid_request', `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (input.password.length > MAX_PASSWORD_LENGTH) {
    throw new ApiError('invalid_request', `The password must be at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  const passwordHash = await hashPassword(input.password);
  const now = call.now.toISOString();
  const account = { id: newId('acct'), name, plan: input.plan };
  const user = { id: newId('usr'), email };
  await call.db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (taken) throw new ApiError('conflict', 'A user with that e-mail address already exists.');
    await trx
      .insertInto('accounts')
      .values({
        ...account,
        rotation_period_days: DEFAULT_ROTATION_DAYS,
        notification_url: null,
        notification_secret: null,
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('users')
      .values({ ...user, account_id: account.id, password_hash: passwordHash, role: 'owner', created_at: now })
      .execute();
  });
  return { account, user };
}

export async function findAccountRow(db: Kysely<Database>, accountId: string): Promise<AccountsTable> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  if (!row) throw notFound('account');
  return row;
}

export function toAccountObject(row: AccountsTable): AccountObject {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    rotation_period_days: row.rotation_period_days,
    notification_url: row.notification_url,
  };
}

export interface AccountChanges {
  rotation_period_days?: number | undefined;
  notification_url?: string | null | undefined;
}

/** A notification URL naming an address inside the network, without `LFK_ALLOW_PRIVATE_URLS=1`. */
export class PrivateNotificationUrlError extends ApiError {
  constructor(
    /** Which address, and why it is not public (private-addresses.ts). */
    readonly reason: string,
  ) {
    super('invalid_request', `Invalid request: notification_url must be reachable from the internet (${reason}).`);
  }
}

/** Applies the changes; the notification secret is returned only when a URL is first set. */
export async function updateAccount(
  call: ServiceCall,
  accountId: string,
  changes: AccountChanges,
  context: RequestContext,
  urls: { allowPrivate: boolean },
): Promise<AccountObject & { notification_secret?: string }> {
  // A literal address inside the network is refused now; a name is checked again after DNS at delivery.
  const inside =
    changes.notification_url && !urls.allowPrivate ? privateUrlReason(changes.notification_url) : undefined;
  if (inside) throw new PrivateNotificationUrlError(inside);
  const days = changes.rotation_period_days;
  if (days !== undefined && (!Number.isInteger(days) || days < MIN_ROTATION_DAYS || days > MAX_ROTATION_DAYS)) {
    throw new ApiError(
      'invalid_request',
      `rotation_period_days must be a whole number from ${MIN_ROTATION_DAYS} to ${MAX_ROTATION_DAYS}.`,
    );
  }
  refusePastedKey('notification_url', changes.notification_url);
  return call.db.transaction().execute(async (trx) => {
    const row = await findAccountRow(trx, accountId);
    const update: Partial<AccountsTable> = {};
    let newSecret: string | undefined;
    if (days !== undefined) update.rotation_period_days = days;
    if (changes.notification_url !== undefined) {
      update.notification_url = changes.notification_url;
      if (changes.notification_url === null) update.notification_secret = null;
      else if (!row.notification_secret) {
        newSecret = `whsec_${randomBytes(24).toString('base64url')}`;
        update.notification_secret = newSecret;
      }
    }
    if (Object.keys(update).length > 0) {
      await trx.updateTable('accounts').set(update).where('id', '=', accountId).execute();
      await appendAuditEvent(
        { ...call, db: trx },
        {
          accountId,
          type: 'account.updated',
          context,
          data: { changed: Object.keys(update).filter((field) => field !== 'notification_secret') },
        },
      );
    }
    const object = toAccountObject({ ...row, ...update });
    return newSecret ? { ...object, notification_secret: newSecret } : object;
  });
}
