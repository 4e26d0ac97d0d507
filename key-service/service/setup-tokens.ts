// The one-time setup link of an empty installation: `lfk serve` prints it, and whoever opens it
// creates the first account. Only the token's SHA-256 is stored; it works until an account
// exists or it is used, whichever comes first.
import { randomToken } from '../../platform/ids.js';
import { sha256Hex } from '../../platform/key-format.js';
import type { ServiceCall } from './service-call.js';

export async function hasAnyUser({ db }: ServiceCall): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** A new setup token when nobody can sign in yet, else null. */
export async function issueSetupToken(call: ServiceCall): Promise<string | null> {
  if (await hasAnyUser(call)) return null;
  const token = randomToken();
  await call.db
    .insertInto('web_setup_tokens')
    .values({ token_sha256: sha256Hex(token), created_at: call.now.toISOString(), used_at: null })
    .execute();
  return token;
}

/** True when the token opens setup: issued, unused, and still no user. */
export async function isSetupTokenValid(call: ServiceCall, token: string | undefined): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const row = await call.db
    .selectFrom('web_setup_tokens')
    .select('used_at')
    .where('token_sha256', '=', sha256Hex(token))
    .executeTakeFirst();
  return row !== undefined && row.used_at === null && !(await hasAnyUser(call));
}

/** Marks the token used; false when it was not valid (or another request used it first). */
export async function claimSetupToken(call: ServiceCall, token: string): Promise<boolean> {
  if (!(await isSetupTokenValid(call, token))) return false;
  const result = await call.db
    .updateTable('web_setup_tokens')
    .set({ used_at: call.now.toISOString() })
    .where('token_sha256', '=', sha256Hex(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives a claimed token back (the form had a mistake: the person may correct it and retry). */
export async function releaseSetupToken({ db }: ServiceCall, token: string): Promise<void> {
  await db
    .updateTable('web_setup_tokens')
    .set({ used_at: null })
    .where('token_sha256', '=', sha256Hex(token))
    .execute();
}

/** Once the first account exists, every other setup link is dead too. */
export async function retireSetupTokens({ db, now }: ServiceCall): Promise<void> {
  await db.updateTable('web_setup_tokens').set({ used_at: now.toISOString() }).where('used_at', 'is', null).execute();
}
