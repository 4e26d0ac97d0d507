// Peers having a bad day, faked at the HTTP/TCP level, through the real code paths: GitHub and
// GitGuardian answering too slowly, 500, or rate-limited with Retry-After; GitHub's partner keys
// hanging; an owner's notification receiver that hangs; an SMTP server that never greets. An
// accepted delivery is never lost (it stays in the inbox and is retried, no sooner than asked), and
// a revocation never waits for any of them. Timeouts are cut to 300 ms through the settings.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../key-service/notify/deliver-email.js';
import { createNotifyWorker } from '../../key-service/notify/notify-worker.js';
import type { QueueTable } from '../../platform/queue/queue.js';
import { DIALECTS } from '../support/databases.js';
import { keyRow } from '../support/http.js';
import {
  PARTNER_KEY_ID,
  alertPayload,
  createWebhookHarness,
  gitguardianHeaders,
  incidentBody,
  githubHeaders,
  partnerKeyPair,
  signPartner,
  useNoNetwork,
  type WebhookHarness,
} from '../webhook-server/support.js';
import { startFakeApi, startHangingPeer, type Answer, type FakeApi, type HangingPeer } from './outbound-peers.js';

const TIMEOUT_MS = 300;
const QUIET = { debug() {}, info() {}, warn() {}, error() {} };
const ALERT_PATH = '/repos/Codertocat/Hello-World/secret-scanning/alerts/42';
const TOKEN: Answer = {
  status: 201,
  body: {
    token: 'ghs_installationtoken0123456789abcdefghij',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  },
};

useNoNetwork();

describe.each(DIALECTS)('outbound faults on %s', (dialect) => {
  let h: WebhookHarness;
  let peer: FakeApi;

  beforeEach(async () => {
    peer = await startFakeApi();
    h = await createWebhookHarness(dialect, {
      settings: { githubApiUrl: peer.url, gitguardianApiUrl: peer.url, outboundTimeoutMs: TIMEOUT_MS },
    });
  });
  afterEach(async () => {
    await peer.close();
    await h.close();
  });

  async function onlyRow(table: QueueTable, where: Record<string, string> = {}) {
    let query = h.store.db.selectFrom(table).selectAll();
    for (const [column, value] of Object.entries(where)) query = query.where(column as 'id', '=', value);
    const rows = await query.execute();
    expect(rows).toHaveLength(1);
    return {
      ...rows[0]!,
      attempts: Number(rows[0]!.attempts),
      waitMs: Date.parse(rows[0]!.next_attempt_at) - Date.now(),
    };
  }

  /** The one row of `table` (matching `where`) is pending after `attempts` tries, its last error matching `error`. */
  async function expectWaiting(
    table: QueueTable,
    attempts: number,
    error: string | RegExp,
    where: Record<string, string> = {},
  ) {
    const row = await onlyRow(table, where);
    const lastError = typeof error === 'string' ? expect.stringContaining(error) : expect.stringMatching(error);
    expect(row).toMatchObject({ status: 'pending', attempts, last_error: lastError });
    return row;
  }

  /** Makes every pending row due now, as if its retry time had come. */
  const retryNow = (table: QueueTable) =>
    h.store.db
      .updateTable(table)
      .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
      .where('status', '=', 'pending')
      .execute();

  async function deliverAlert() {
    const { key } = await h.createAccountWithKey();
    const body = JSON.stringify(alertPayload('created', 42));
    const answer = await h.post('/webhooks/github', body, githubHeaders('secret_scanning_alert', body));
    expect(answer.status).toBe(202);
    return key;
  }

  const alertWith = (secret: string): Answer => ({
    status: 200,
    body: {
      number: 42,
      state: 'open',
      secret,
      html_url: 'https://github.com/Codertocat/Hello-World/security/secret-scanning/42',
    },
  });

  describe('GitHub', () => {
    it('answering slower than the timeout: the delivery stays in the inbox and is done on the retry', async () => {
      const key = await deliverAlert();
      peer.on('POST', '/app/installations/1/access_tokens', TOKEN);
      peer.on('GET', ALERT_PATH, 'hang', alertWith(key.key));
      peer.on('PATCH', ALERT_PATH, { status: 200, body: { number: 42, state: 'resolved' } });

      await h.drain();
      await expectWaiting(
        'webhook_deliveries',
        1,
        /^UnavailableError: GitHub answered 500 to GET secret scanning alert #42: .*(abort|timeout)/i,
      );
      expect((await keyRow(h, key.id)).revoked_at).toBeNull();

      await retryNow('webhook_deliveries');
      await h.drain();
      expect(await onlyRow('webhook_deliveries')).toMatchObject({
        status: 'done',
        attempts: 2,
        result: expect.stringContaining('"resolved":true'),
      });
      expect(await keyRow(h, key.id)).toMatchObject({ revoked_reason: 'exposed:github-app' });
      expect(peer.seen).toEqual([
        `POST /app/installations/1/access_tokens`,
        `GET ${ALERT_PATH}`,
        `GET ${ALERT_PATH}`,
        `PATCH ${ALERT_PATH}`,
      ]);
    });

    it('answering 500, even past the attempt limit: the delivery is kept and retried with backoff until GitHub is back', async () => {
      const key = await deliverAlert();
      peer.on('POST', '/app/installations/1/access_tokens', TOKEN);
      peer.on(
        'GET',
        ALERT_PATH,
        { status: 500, body: { message: 'Server Error' } },
        { status: 502, body: { message: 'Bad Gateway' } },
        alertWith(key.key),
      );
      peer.on('PATCH', ALERT_PATH, { status: 200, body: {} });

      await h.drain();
      const first = await expectWaiting('webhook_deliveries', 1, 'GitHub answered 500');
      // The harness's backoff starts at 60 s (±20%).
      expect(first.waitMs).toBeGreaterThan(40_000);
      // Ordinary errors give up after 10 attempts; an outage at GitHub must not.
      await h.store.db.updateTable('webhook_deliveries').set({ attempts: 20 }).execute();
      await retryNow('webhook_deliveries');
      await h.drain();
      await expectWaiting('webhook_deliveries', 21, 'GitHub answered 502');

      await retryNow('webhook_deliveries');
      await h.drain();
      expect(await onlyRow('webhook_deliveries')).toMatchObject({ status: 'done', attempts: 22 });
      expect(await keyRow(h, key.id)).toMatchObject({ revoked_reason: 'exposed:github-app' });
    });

    // Each answer is made when the test runs: the reset time is a moment, not a duration.
    it.each([
      [
        '429 with Retry-After: 1800',
        (): Answer => ({ status: 429, headers: { 'retry-after': '1800' }, body: { message: 'rate limited' } }),
        1800,
      ],
      [
        '403 with x-ratelimit-remaining: 0 and Retry-After: 900',
        (): Answer => ({
          status: 403,
          headers: { 'retry-after': '900', 'x-ratelimit-remaining': '0' },
          body: { message: 'API rate limit exceeded' },
        }),
        900,
      ],
      [
        '403 with x-ratelimit-remaining: 0 and a reset in 1200 s',
        (): Answer => ({
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1200) },
          body: { message: 'API rate limit exceeded' },
        }),
        1200,
      ],
    ] as const)('rate-limited (%s): retried no sooner than GitHub asked, then done', async (_, limited, seconds) => {
      const key = await deliverAlert();
      peer.on('POST', '/app/installations/1/access_tokens', TOKEN);
      peer.on('GET', ALERT_PATH, limited(), alertWith(key.key));
      peer.on('PATCH', ALERT_PATH, { status: 200, body: {} });

      await h.drain();
      const waiting = await expectWaiting(
        'webhook_deliveries',
        1,
        'RetryLaterError: GitHub rate-limited GET secret scanning alert #42',
      );
      // Far beyond the 60 s backoff: what GitHub asked for (a few seconds of slack for the test itself).
      expect(waiting.waitMs).toBeGreaterThan((seconds - 10) * 1000);
      expect(waiting.waitMs).toBeLessThanOrEqual(seconds * 1000 + 1000);
      // Nothing is tried before that time.
      expect(await h.drain()).toBe(0);

      await retryNow('webhook_deliveries');
      await h.drain();
      expect(await onlyRow('webhook_deliveries')).toMatchObject({ status: 'done', attempts: 2 });
      expect(await keyRow(h, key.id)).toMatchObject({ revoked_reason: 'exposed:github-app' });
    });

    it("hanging on the partner program's public keys: the alert is answered 503 with Retry-After and nothing is stored", async () => {
      const signer = partnerKeyPair();
      peer.on('GET', '/meta/public_keys/secret_scanning', 'hang');
      const body = JSON.stringify([
        { token: 'lfk_sk_whatever', type: 'trustleads_api_key', url: 'https://github.com/a/b', source: 'content' },
      ]);
      const answer = await h.post('/webhooks/github/secret-scanning', body, {
        'github-public-key-identifier': PARTNER_KEY_ID,
        'github-public-key-signature': signPartner(body, signer.privateKey),
      });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'service_unavailable' });
      expect(await h.deliveries()).toEqual([]);
    });
  });

  describe('GitGuardian', () => {
    async function deliverIncident() {
      const { key } = await h.createAccountWithKey();
      const body = incidentBody(key.key);
      expect((await h.post('/webhooks/gitguardian', body, gitguardianHeaders(body))).status).toBe(202);
      return key;
    }
    const RESOLVE = '/v1/incidents/secrets/77/resolve';

    it.each([
      [
        'answering slower than the timeout',
        'hang' as Answer,
        /GitGuardian cannot be reached to resolve incident 77/,
        undefined,
      ],
      ['answering 500', { status: 500, body: {} } as Answer, /GitGuardian answered 500/, undefined],
      [
        'rate-limited with Retry-After: 600',
        { status: 429, headers: { 'retry-after': '600' }, body: {} } as Answer,
        /RetryLaterError: GitGuardian answered 429/,
        600,
      ],
    ])('%s: the key is revoked at once, the incident is resolved on a retry', async (_, fault, error, seconds) => {
      const key = await deliverIncident();
      peer.on('POST', RESOLVE, fault, { status: 200, body: {} });

      await h.drain();
      const waiting = await expectWaiting('webhook_deliveries', 1, error);
      if (seconds !== undefined) expect(waiting.waitMs).toBeGreaterThan((seconds - 10) * 1000);
      expect(await keyRow(h, key.id)).toMatchObject({ revoked_reason: 'exposed:gitguardian' });

      await retryNow('webhook_deliveries');
      await h.drain();
      expect(await onlyRow('webhook_deliveries')).toMatchObject({
        status: 'done',
        attempts: 2,
        result: JSON.stringify({ incident: 77, status: 'already_revoked', resolved: true }),
      });
      expect(peer.seen).toEqual([`POST ${RESOLVE}`, `POST ${RESOLVE}`]);
    });
  });

  describe('telling the owner', () => {
    let smtp: HangingPeer;
    beforeEach(async () => {
      smtp = await startHangingPeer('smtp');
    });
    afterEach(async () => {
      await smtp.close();
    });

    it('a notification receiver that hangs and an SMTP server that never greets: both notices wait for a retry, the key stays revoked', async () => {
      const { accountId } = await h.createAccount();
      await h.service.updateAccount(
        accountId,
        { notification_url: `${peer.url}/hooks/lfk` },
        { actor: { type: 'system' } },
      );
      const key = await h.createKey(accountId);
      peer.on('POST', '/hooks/lfk', 'hang', { status: 204 });
      const mailer = await createSmtpMailer(smtp.url, { timeoutMs: TIMEOUT_MS });
      const notifier = createNotifyWorker({
        store: h.store,
        logger: QUIET,
        mailer,
        publicUrl: 'https://keys.test',
        // The receiver is on 127.0.0.1.
        allowPrivateUrls: true,
        timeoutMs: TIMEOUT_MS,
        baseDelayMs: 60_000,
      });
      try {
        await h.service.reportExposures([key.key], { kind: 'other' }, { actor: { type: 'reporter' } });
        expect(await keyRow(h, key.id)).toMatchObject({ revoked_reason: 'exposed:report' });

        await notifier.drain();
        await expectWaiting(
          'notification_outbox',
          1,
          /the notification URL cannot be reached \(.*(abort|timeout).*\)/i,
          {
            channel: 'webhook',
          },
        );
        const mail = await expectWaiting('notification_outbox', 1, /greeting|timeout/i, { channel: 'email' });
        expect(mail.waitMs).toBeGreaterThan(40_000);
        expect(smtp.connections()).toBe(1);

        await retryNow('notification_outbox');
        await notifier.drain();
        expect(await onlyRow('notification_outbox', { channel: 'webhook' })).toMatchObject({
          status: 'done',
          attempts: 2,
          result: JSON.stringify({ sent: 'webhook', status: 204 }),
        });
        // The SMTP server still hangs: retried, still waiting, not dropped.
        expect(await onlyRow('notification_outbox', { channel: 'email' })).toMatchObject({
          status: 'pending',
          attempts: 2,
        });
        expect(smtp.connections()).toBe(2);
        expect(peer.seen).toEqual(['POST /hooks/lfk', 'POST /hooks/lfk']);
      } finally {
        mailer.close();
      }
    });
  });
});
