// One row an account owns, by the id we issued it: the lookup behind every "one X" call.
import type { Kysely } from 'kysely';
import { notFound } from '../../platform/errors.js';
import { isIdOf } from '../../platform/ids.js';
import type { Database } from '../../platform/database/schema.js';

/** The id prefix of each table's rows, which is also the word its 404 says. */
const ROW_KINDS = { jobs: 'job', api_keys: 'key' } as const;

type OwnedTable = keyof typeof ROW_KINDS;

/** The row, or 404 alike for an id we never issued and for another account's row. */
export async function findOwnedRow<T extends OwnedTable>(
  db: Kysely<Database>,
  table: T,
  accountId: string,
  id: string,
): Promise<Database[T]> {
  const kind = ROW_KINDS[table];
  // Not an id we issue: no such row (and nothing the database would choke on reaches it).
  if (!isIdOf(kind, id)) throw notFound(kind);
  const row = await db
    .selectFrom(table as OwnedTable)
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw notFound(kind);
  return row as Database[T];
}
