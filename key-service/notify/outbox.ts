// Notices that a key was revoked for exposure (docs/webhooks.md#telling-the-owner), written in the
// same transaction as the revocation: a crash after the revocation cannot lose them, and the unique
// (event, channel) pair means one notice per key however many reports arrive (only the report that
// revoked the key has a revocation event).
import type { Kysely } from 'kysely';
import { newId } from '../../platform/ids.js';
import { redactKeys } from '../../platform/key-format.js';
import type { Database } from '../../platform/database/schema.js';
import { NOTICE_CHANNELS } from '../../platform/vocabulary.js';
import type { ExposureSource } from '../service/types.js';

/** The `key.revoked` message, as the account's notification URL receives it. Never the key. */
export interface KeyRevokedNotice {
  type: 'key.revoked';
  id: string;
  at: string;
  key: { id: string; name: string; display: string };
  exposure: { source: ExposureSource['kind']; url: string | null; location: string | null };
}

export interface RevocationForNotice {
  accountId: string;
  keyId: string;
  keyName: string;
  display: string;
  revokedAt: string;
  source: ExposureSource;
  eventId: string;
}

export async function enqueueRevocationNotices(db: Kysely<Database>, revocation: RevocationForNotice): Promise<void> {
  const notice: KeyRevokedNotice = {
    type: 'key.revoked',
    id: revocation.eventId,
    at: revocation.revokedAt,
    key: { id: revocation.keyId, name: redactKeys(revocation.keyName), display: revocation.display },
    exposure: {
      source: revocation.source.kind,
      url: revocation.source.url ? redactKeys(revocation.source.url) : null,
      location: revocation.source.location ? redactKeys(revocation.source.location) : null,
    },
  };
  const payload = JSON.stringify(notice);
  await db
    .insertInto('notification_outbox')
    .values(
      NOTICE_CHANNELS.map((channel) => ({
        id: newId('ntf'),
        event_id: revocation.eventId,
        channel,
        account_id: revocation.accountId,
        key_id: revocation.keyId,
        payload,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: revocation.revokedAt,
        locked_until: null,
        last_error: null,
        result: null,
        created_at: revocation.revokedAt,
        processed_at: null,
      })),
    )
    .onConflict((conflict) => conflict.columns(['event_id', 'channel']).doNothing())
    .execute();
}
