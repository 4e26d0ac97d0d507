// What every operation of the key service works with: its database and the moment of the call,
// from the service's one clock (`new KeyService(store, { now })`), so a test's clock reaches every
// timestamp an operation writes.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.js';

export interface ServiceCall {
  /** The database, or the transaction the operation runs in (`{ ...call, db: trx }`). */
  db: Kysely<Database>;
  /** The moment of the call: what it writes and compares with. */
  now: Date;
}
