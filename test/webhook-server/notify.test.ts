// An owner is told once per key revoked for exposure (docs/webhooks.md#telling-the-owner), by
// e-mail (a local SMTP server) and by a signed POST (a local receiver), however many reports
// arrive; retried on failure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmslHashSync } from '../../platform/hmsl-hash.js';
import { createSmtpMailer } from '../../key-service/notify/deliver-email.js';
import { createNotifyWorker } from '../../key-service/notify/notify-worker.js';
import type { QueueWorker } from '../../platform/queue/queue-worker.js';
import { DIALECTS } from '../support/databases.js';
import { keysIn } from '../support/http.js';
import { createWebhookHarness, gitguardianHeaders, type WebhookHarness } from './support.js';
import {
  readableMail,
  startReceiver,
  startSmtpServer,
  verifyLfkSignature,
  type Mailbox,
  type Receiver,
} from './local-servers.js';

describe.each(DIALECTS)('telling the owner on %s', (dialect) => {
  let h: WebhookHarness;
  let mailbox: Mailbox;
  let receiver: Receiver;
  let notifier: QueueWorker<'notification_outbox'>;

  beforeEach(async () => {
    h = await createWebhookHarness(dialect, { settings: { gitguardianApiToken: undefined } });
    mailbox = await startSmtpServer();
    receiver = await startReceiver();
    notifier = createNotifyWorker({
      store: h.store,
      logger: { debug() {}, info() {}, warn: (m) => h.logs.push(m), error: (m) => h.logs.push(m) },
      mailer: await createSmtpMailer(mailbox.url),
      mailFrom: 'lfk <security@trustleads.test>',
      publicUrl: 'https://keys.trustleads.test',
      baseDelayMs: 60_000,
      // The owner's receiver runs on 127.0.0.1, inside the network.
      allowPrivateUrls: true,
    });
  });
  afterEach(async () => {
    await Promise.all([mailbox.close(), receiver.close()]);
    await h.close();
  });

  it('sends one e-mail and one signed POST per revoked key, whatever the number of reports', async () => {
    const { accountId, email } = await h.createAccount('pro', 'Acme Leads');
    const { notification_secret: secret } = await h.service.updateAccount(
      accountId,
      { notification_url: receiver.url },
      { actor: { type: 'system' } },
    );
    const key = await h.createKey(accountId, { name: 'Website form' });
    // Three reports: GitGuardian twice (two actions) and the scanner.
    for (const action of ['incident_triggered', 'incident_regression']) {
      const body = JSON.stringify({
        action,
        incident: {
          id: 5,
          hmsl_hash: hmslHashSync(key.key),
          gitguardian_url: 'https://dashboard.gitguardian.com/workspace/1/incidents/5',
        },
      });
      await h.post('/webhooks/gitguardian', body, gitguardianHeaders(body));
    }
    await h.drain();
    await h.service.reportExposures(
      [key.key],
      { kind: 'scanner', location: 'src/app.ts:3' },
      { actor: { type: 'reporter' } },
    );
    expect(await notifier.drain()).toBe(2);
    expect(await notifier.drain()).toBe(0);

    expect(mailbox.messages).toHaveLength(1);
    const mail = { ...mailbox.messages[0]!, data: readableMail(mailbox.messages[0]!.data) };
    expect(mail.to).toEqual([email]);
    expect(mail.from).toBe('security@trustleads.test');
    expect(mail.data).toContain(key.display);
    expect(mail.data).toContain('https://dashboard.gitguardian.com/workspace/1/incidents/5');
    expect(mail.data).toContain('https://keys.trustleads.test/app/api-keys');

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(verifyLfkSignature(String(request!.headers['lfk-signature']), request!.body, secret!)).toBe(true);
    expect(verifyLfkSignature(String(request!.headers['lfk-signature']), request!.body, 'whsec_other')).toBe(false);
    const event = JSON.parse(request!.body);
    const [revoked] = (await h.service.listAuditEvents(accountId, { limit: 100 })).data.filter(
      (entry) => entry.type === 'key.revoked',
    );
    expect(event).toEqual({
      type: 'key.revoked',
      id: revoked!.id,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      key: { id: key.id, name: 'Website form', display: key.display },
      exposure: {
        source: 'gitguardian',
        url: 'https://dashboard.gitguardian.com/workspace/1/incidents/5',
        location: 'GitGuardian incident 5',
      },
    });
    expect(keysIn(mail.data + request!.body)).toEqual([]);
  });

  it('retries a failed POST with backoff until the receiver takes it, and never tells twice', async () => {
    const { accountId } = await h.createAccount();
    await h.service.updateAccount(accountId, { notification_url: receiver.url }, { actor: { type: 'system' } });
    const key = await h.createKey(accountId);
    receiver.statuses.push(500, 503);
    await h.service.reportExposures([key.key], { kind: 'other' }, { actor: { type: 'reporter' } });
    const retryNow = () =>
      h.store.db
        .updateTable('notification_outbox')
        .set({ next_attempt_at: new Date().toISOString() })
        .where('status', '=', 'pending')
        .execute();
    await notifier.drain();
    let webhook = await h.store.db
      .selectFrom('notification_outbox')
      .selectAll()
      .where('channel', '=', 'webhook')
      .executeTakeFirstOrThrow();
    expect(webhook).toMatchObject({ status: 'pending', last_error: expect.stringContaining('500') });
    // Backoff: the next attempt is at least ~a base delay away.
    expect(Date.parse(webhook.next_attempt_at) - Date.now()).toBeGreaterThan(30_000);
    await retryNow();
    await notifier.drain();
    await retryNow();
    await notifier.drain();
    webhook = await h.store.db
      .selectFrom('notification_outbox')
      .selectAll()
      .where('channel', '=', 'webhook')
      .executeTakeFirstOrThrow();
    expect(webhook).toMatchObject({ status: 'done', attempts: 3 });
    expect(receiver.requests.map((request) => request.status)).toEqual([500, 503, 200]);
    expect(mailbox.messages).toHaveLength(1);
    await retryNow();
    expect(await notifier.drain()).toBe(0);
  });

  it('keeps the notices of a revocation whose process died before telling anyone', async () => {
    const { accountId } = await h.createAccount();
    await h.service.updateAccount(accountId, { notification_url: receiver.url }, { actor: { type: 'system' } });
    const key = await h.createKey(accountId);
    // The revocation commits with its notices; no notifier runs in this "process".
    await h.service.reportExposures([key.key], { kind: 'other' }, { actor: { type: 'reporter' } });
    expect(mailbox.messages).toEqual([]);
    // A new process: a new notifier on the same database finds them.
    const after = createNotifyWorker({
      store: h.store,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      mailer: await createSmtpMailer(mailbox.url),
      publicUrl: 'https://x.test',
      allowPrivateUrls: true,
    });
    expect(await after.drain()).toBe(2);
    expect(await notifier.drain()).toBe(0);
    expect(mailbox.messages).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('tells nobody about a key its owner revoked, and skips channels the account did not set', async () => {
    const { accountId } = await h.createAccount();
    const byUser = await h.createKey(accountId);
    await h.service.revokeKey(accountId, byUser.id, undefined, { actor: { type: 'system' } });
    expect(await notifier.drain()).toBe(0);
    const leaked = await h.createKey(accountId);
    await h.service.reportExposures([leaked.key], { kind: 'other' }, { actor: { type: 'reporter' } });
    await notifier.drain();
    const rows = await h.store.db
      .selectFrom('notification_outbox')
      .select(['channel', 'status', 'result'])
      .orderBy('channel')
      .execute();
    expect(rows.map((row) => ({ ...row, result: JSON.parse(row.result!) }))).toEqual([
      { channel: 'email', status: 'done', result: { sent: 'email', recipients: 1 } },
      { channel: 'webhook', status: 'done', result: { skipped: 'the account has no notification_url' } },
    ]);
    expect(receiver.requests).toEqual([]);
  });
});
