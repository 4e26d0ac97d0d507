// Delivers the notification outbox: one e-mail to the owners and one signed POST per revoked key.
// A channel with nothing configured (no LFK_SMTP_URL, no notification_url) is done and says why.
import type { Logger } from '../../platform/logger.js';
import { QueueWorker } from '../../platform/queue/queue-worker.js';
import type { Store } from '../../platform/database/database.js';
import type { NotificationOutboxTable } from '../../platform/database/schema.js';
import { revocationEmail, type Mailer } from './deliver-email.js';
import { postNotice } from './deliver-webhook.js';
import { notificationFetch } from '../../platform/outbound/guarded-fetch.js';
import type { KeyRevokedNotice } from './outbox.js';

export interface NotifyOptions {
  store: Store;
  logger: Logger;
  /** Set when LFK_SMTP_URL is. */
  mailer?: Mailer | undefined;
  mailFrom?: string | undefined;
  publicUrl: string;
  /** Replaces the guarded fetch (tests); the private-address rule is then the caller's. */
  fetch?: typeof fetch;
  /** LFK_ALLOW_PRIVATE_URLS=1: notification URLs may point inside the network. */
  allowPrivateUrls?: boolean;
  /** LFK_OUTBOUND_TIMEOUT_MS: how long a notification URL may take to answer. */
  timeoutMs?: number;
  pollMs?: number;
  baseDelayMs?: number;
  startDelayMs?: number;
}

export function createNotifyWorker(given: NotifyOptions): QueueWorker<'notification_outbox'> {
  const options: NotifyOptions = {
    ...given,
    fetch: given.fetch ?? notificationFetch({ allowPrivate: given.allowPrivateUrls ?? false }),
  };
  return new QueueWorker({
    store: options.store,
    table: 'notification_outbox',
    logger: options.logger,
    handle: (row) => deliverNotice(row, options),
    maxAttempts: 12,
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
    ...(options.baseDelayMs !== undefined && { baseDelayMs: options.baseDelayMs }),
    ...(options.startDelayMs !== undefined && { startDelayMs: options.startDelayMs }),
  });
}

export async function deliverNotice(row: NotificationOutboxTable, options: NotifyOptions): Promise<unknown> {
  const { db } = options.store;
  const notice = JSON.parse(row.payload) as KeyRevokedNotice;
  const account = await db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', row.account_id)
    .executeTakeFirstOrThrow();
  if (row.channel === 'email') {
    if (!options.mailer) return { skipped: 'LFK_SMTP_URL is not set' };
    const owners = await db
      .selectFrom('users')
      .select('email')
      .where('account_id', '=', row.account_id)
      .where('role', '=', 'owner')
      .execute();
    if (owners.length === 0) return { skipped: 'the account has no owner' };
    const { subject, text } = revocationEmail(notice, account.name, options.publicUrl);
    await options.mailer.send({
      from: options.mailFrom ?? 'lfk <lfk@localhost>',
      to: owners.map((owner) => owner.email),
      subject,
      text,
    });
    options.logger.info('owner told by e-mail', {
      event_id: notice.id,
      key_id: notice.key.id,
      recipients: owners.length,
    });
    return { sent: 'email', recipients: owners.length };
  }
  if (!account.notification_url || !account.notification_secret)
    return { skipped: 'the account has no notification_url' };
  const { status } = await postNotice(
    { url: account.notification_url, secret: account.notification_secret },
    row.payload,
    {
      fetch: options.fetch ?? notificationFetch({ allowPrivate: options.allowPrivateUrls ?? false }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    },
  );
  options.logger.info('owner told by webhook', { event_id: notice.id, key_id: notice.key.id, status });
  return { sent: 'webhook', status };
}
