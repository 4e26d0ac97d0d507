// The audit log: append-only, per account. Nothing here updates or deletes an event.
import { newId } from '../../platform/ids.js';
import { redactKeys } from '../../platform/key-format.js';
import type { AuditEventsTable } from '../../platform/database/schema.js';
import { decodeCursor, toPage } from './paging.js';
import type { ServiceCall } from './service-call.js';
import type { AuditEvent, Page, RequestContext } from './types.js';

export type AuditEventType =
  | 'key.created'
  | 'key.revoked'
  | 'key.rolled'
  | 'key.expired'
  | 'key.exposed'
  | 'account.updated'
  | 'user.login'
  | 'user.login_failed';

export interface NewAuditEvent {
  accountId: string;
  type: AuditEventType;
  context: RequestContext;
  key?: { id: string; name: string };
  data?: Record<string, unknown>;
  at?: string;
}

/**
 * Events never hold a full key (docs/key-service.md#audit-events), not even one pasted into a note,
 * a source or a header.
 */
export async function appendAuditEvent(call: ServiceCall, event: NewAuditEvent): Promise<string> {
  const id = newId('evt');
  const redact = (text: string | null | undefined) => (text == null ? null : redactKeys(text));
  await call.db
    .insertInto('audit_events')
    .values({
      id,
      account_id: event.accountId,
      type: event.type,
      at: event.at ?? call.now.toISOString(),
      actor_type: event.context.actor.type,
      actor_id: event.context.actor.id ?? null,
      key_id: event.key?.id ?? null,
      key_name: redact(event.key?.name),
      ip: event.context.ip ?? null,
      user_agent: redact(event.context.userAgent?.slice(0, 512)),
      data: redactKeys(JSON.stringify(event.data ?? {})),
    })
    .execute();
  return id;
}

export async function listAuditEvents(
  { db }: ServiceCall,
  accountId: string,
  options: { limit: number; cursor?: string | undefined; type?: string | undefined },
): Promise<Page<AuditEvent>> {
  const after = decodeCursor(options.cursor);
  let query = db.selectFrom('audit_events').selectAll().where('account_id', '=', accountId);
  if (after) query = query.where('id', '<', after);
  if (options.type) query = query.where('type', '=', options.type);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  return toPage(rows, options.limit, toAuditEvent);
}

export function toAuditEvent(row: AuditEventsTable): AuditEvent {
  const event: AuditEvent = {
    id: row.id,
    type: row.type,
    at: row.at,
    actor: row.actor_id ? { type: row.actor_type, id: row.actor_id } : { type: row.actor_type },
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
  if (row.key_id) event.key_id = row.key_id;
  if (row.key_name) event.key_name = row.key_name;
  if (row.ip) event.ip = row.ip;
  if (row.user_agent) event.user_agent = row.user_agent;
  return event;
}
