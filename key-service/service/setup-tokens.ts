// The one-time setup link of an empty installation: `lfk serve` prints it, and whoever opens it
// creates the first account. Only the token's SHA-256 is stored; it works until an account
// exists or it is used, whichever comes first.
import type { Kysely } from 'kysely';
import { randomToken } from '../../platform/ids.js';
import { sha256Hex } from '../../platform/key-format.js';
import type { Database } from '../../platform/database/schema.js';

export async function hasAnyUser(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** A new setup token when nobody can sign in yet, else null. */
export async function issueSetupToken(db: Kysely<Database>): Promise<string | null> {
  if (await hasAnyUser(db)) return null;
  const token = randomToken();
  await db.insertInto('web_setup_tokens').values({ token_sha256: sha256Hex(token), created_at: new Date().toISOString(), used_at: null }).execute();
  return token;
}

/** True when the token opens setup: issued, unused, and still no user. */
export async function isSetupTokenValid(db: Kysely<Database>, token: string | undefined): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const row = await db.selectFrom('web_setup_tokens').select('used_at').where('token_sha256', '=', sha256Hex(token)).executeTakeFirst();
  return row !== undefined && row.used_at === null && !(await hasAnyUser(db));
}

/** Marks the token used; false when it was not valid (or another request used it first). */
export async function claimSetupToken(db: Kysely<Database>, token: string): Promise<boolean> {
  if (!(await isSetupTokenValid(db, token))) return false;
  const result = await db
    .updateTable('web_setup_tokens')
    .set({ used_at: new Date().toISOString() })
    .where('token_sha256', '=', sha256Hex(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives a claimed token back (the form had a mistake: the person may correct it and retry). */
export async function releaseSetupToken(db: Kysely<Database>, token: string): Promise<void> {
  await db.updateTable('web_setup_tokens').set({ used_at: null }).where('token_sha256', '=', sha256Hex(token)).execute();
}

/** Once the first account exists, every other setup link is dead too. */
export async function retireSetupTokens(db: Kysely<Database>): Promise<void> {
  await db.updateTable('web_setup_tokens').set({ used_at: new Date().toISOString() }).where('used_at', 'is', null).execute();
}
