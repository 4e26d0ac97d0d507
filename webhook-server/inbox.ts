// The inbox: every accepted delivery becomes a row before the 2xx goes out. The unique dedup key
// makes a repeated delivery (same X-GitHub-Delivery, same GitGuardian incident and action, same
// partner body) a no-op that answers like the first.
import { newId } from '../platform/ids.js';
import type { Store } from '../platform/database/database.js';
import type { WebhookDeliveriesTable } from '../platform/database/schema.js';

export interface NewDelivery {
  provider: WebhookDeliveriesTable['provider'];
  event: string;
  dedupKey: string;
  /** JSON; never holds a full key. */
  payload: string;
}

export async function storeDelivery(
  store: Store,
  delivery: NewDelivery,
  now = new Date(),
): Promise<{ id: string; duplicate: boolean }> {
  const id = newId('dlv');
  const at = now.toISOString();
  const inserted = await store.db
    .insertInto('webhook_deliveries')
    .values({
      id,
      provider: delivery.provider,
      event: delivery.event,
      dedup_key: delivery.dedupKey,
      payload: delivery.payload,
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      locked_until: null,
      last_error: null,
      result: null,
      received_at: at,
      processed_at: null,
    })
    .onConflict((conflict) => conflict.column('dedup_key').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { id, duplicate: false };
  const existing = await store.db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('dedup_key', '=', delivery.dedupKey)
    .executeTakeFirstOrThrow();
  return { id: existing.id, duplicate: true };
}
