// The revocation bus (bus.ts) and its two implementations; the store opens the one for its
// database as `store.revocationBus` (store/database.ts), and KeyService follows and publishes on it.
export type { RevocationBus, RevocationFollower } from './bus.js';
export { PostgresRevocationBus, REVOCATION_CHANNEL } from './postgres.js';
export { SqliteRevocationBus } from './sqlite.js';
export { RECEIPT_WAIT_MS } from './receipts.js';
