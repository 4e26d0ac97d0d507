// The built `lfk serve` is killed (SIGKILL) after accepting deliveries and before processing them
// (LFK_INBOX_START_DELAY_MS holds its workers back); after a restart every delivery is processed
// exactly once and every owner is told once, by e-mail and by POST.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAcme } from '../support/harness.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import { openStore } from '../../platform/database/database.js';
import { startLfkServer } from '../support/cli.js';
import {
  GG_SECRET,
  gitguardianHeaders,
  incidentBody,
  PARTNER_KEY_ID,
  partnerHeaders,
  partnerKeyPair,
} from './support.js';
import {
  readableMail,
  until,
  startReceiver,
  startSmtpServer,
  verifyLfkSignature,
  type Mailbox,
  type Receiver,
} from './local-servers.js';

describe('crash between accepting and processing', () => {
  let dir: string;
  let mailbox: Mailbox;
  let receiver: Receiver;
  let githubKeys: Server;
  const signer = partnerKeyPair();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-crash-'));
    mailbox = await startSmtpServer();
    receiver = await startReceiver();
    githubKeys = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', etag: '"k1"' });
      response.end(
        JSON.stringify({ public_keys: [{ key_identifier: PARTNER_KEY_ID, key: signer.publicPem, is_current: true }] }),
      );
    });
    await new Promise<void>((resolve) => githubKeys.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all([mailbox.close(), receiver.close(), new Promise((resolve) => githubKeys.close(resolve))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('processes every stored delivery once after SIGKILL and a restart, and tells each owner once', async () => {
    const databaseUrl = `sqlite:${join(dir, 'lfk.db')}`;
    // Accounts and keys, written straight to the database the server will use. The receiver listens
    // on the loopback, as the server will be told (LFK_ALLOW_PRIVATE_URLS below).
    const { seeded: keys, notificationSecret: secret } = await seedAcme(
      databaseUrl,
      receiver.url,
      async (service, accountId) => {
        const made: CreatedKey[] = [];
        for (const name of ['One', 'Two', 'Three'])
          made.push(await service.createKey(accountId, { name }, { actor: { type: 'system' } }));
        return made;
      },
    );

    const env = {
      LFK_DATABASE_URL: databaseUrl,
      LFK_GITHUB_API_URL: `http://127.0.0.1:${(githubKeys.address() as AddressInfo).port}`,
      LFK_GITGUARDIAN_WEBHOOK_SECRET: GG_SECRET,
      LFK_SMTP_URL: mailbox.url,
      LFK_MAIL_FROM: 'security@acme.test',
      LFK_LOG_LEVEL: 'warn',
      // The owner's receiver runs on 127.0.0.1, inside the network.
      LFK_ALLOW_PRIVATE_URLS: '1',
    };
    const first = await startLfkServer({ ...env, LFK_INBOX_START_DELAY_MS: '600000' }, dir);
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${first.url}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const partnerBody = JSON.stringify(
      keys.slice(0, 2).map((key) => ({
        token: key.key,
        type: 'trustleads_api_key',
        url: 'https://github.com/o/r/blob/x/f',
        source: 'content',
      })),
    );
    const partner = await post(
      '/webhooks/github/secret-scanning',
      partnerBody,
      partnerHeaders(partnerBody, signer.privateKey),
    );
    expect(partner.status).toBe(200);
    const statuses = [];
    for (const [id, key] of [
      [1, keys[1]!],
      [2, keys[2]!],
      [2, keys[2]!],
    ] as const) {
      const body = incidentBody(key.key, id);
      const response = await post('/webhooks/gitguardian', body, gitguardianHeaders(body));
      statuses.push(((await response.json()) as { status: string }).status);
    }
    expect(statuses).toEqual(['queued', 'queued', 'duplicate']);
    // The App receiver has no secret here: it says which variable to set, and stores nothing.
    const unconfigured = await post('/webhooks/github', '{}', { 'x-github-event': 'push', 'x-github-delivery': 'd1' });
    expect(unconfigured.status).toBe(503);
    expect(unconfigured.headers.get('x-request-id')).toBeTruthy();
    expect(((await unconfigured.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'not_configured',
      message: expect.stringContaining('LFK_GITHUB_WEBHOOK_SECRET'),
    });
    await first.stop('SIGKILL');

    const check = await openStore(databaseUrl, { migrate: false });
    try {
      expect(await check.db.selectFrom('webhook_deliveries').select('status').execute()).toEqual([
        { status: 'pending' },
        { status: 'pending' },
        { status: 'pending' },
      ]);
      expect(await check.db.selectFrom('api_keys').select('id').where('revoked_at', 'is not', null).execute()).toEqual(
        [],
      );

      const second = await startLfkServer({ ...env, LFK_INBOX_START_DELAY_MS: '0' }, dir);
      try {
        await until(async () => {
          const open = await check.db
            .selectFrom('notification_outbox')
            .select('id')
            .where('status', '!=', 'done')
            .execute();
          const total = await check.db.selectFrom('notification_outbox').select('id').execute();
          const pending = await check.db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '!=', 'done')
            .execute();
          return pending.length === 0 && total.length === 6 && open.length === 0 ? true : undefined;
        }, 'deliveries and notices to be processed');
        const deliveries = await check.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).execute();
        expect(deliveries.map((row) => [row.status, Number(row.attempts)])).toEqual([
          ['done', 1],
          ['done', 1],
          ['done', 1],
        ]);
        const revoked = await check.db.selectFrom('api_keys').select(['id', 'revoked_reason']).orderBy('id').execute();
        expect(revoked.map((row) => row.revoked_reason)).toEqual([
          'exposed:github-partner',
          'exposed:github-partner',
          'exposed:gitguardian',
        ]);
        const revocations = await check.db
          .selectFrom('audit_events')
          .select('id')
          .where('type', '=', 'key.revoked')
          .execute();
        expect(revocations).toHaveLength(3);
      } finally {
        await second.stop();
      }
    } finally {
      await check.close();
    }
    expect(mailbox.messages).toHaveLength(3);
    expect(mailbox.messages.map((message) => message.to)).toEqual([
      ['owner@acme.test'],
      ['owner@acme.test'],
      ['owner@acme.test'],
    ]);
    const told = new Set(
      mailbox.messages.map((message) => keys.find((key) => readableMail(message.data).includes(key.display))?.id),
    );
    expect(told).toEqual(new Set(keys.map((key) => key.id)));
    expect(receiver.requests).toHaveLength(3);
    for (const request of receiver.requests)
      expect(verifyLfkSignature(String(request.headers['lfk-signature']), request.body, secret!)).toBe(true);
    expect(new Set(receiver.requests.map((request) => JSON.parse(request.body).key.id))).toEqual(
      new Set(keys.map((key) => key.id)),
    );
  });
});
