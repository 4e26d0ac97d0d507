// LFK_OUTBOUND_TIMEOUT_MS and LFK_ALLOW_PRIVATE_URLS: read by the settings, and applied by
// `lfk serve` (the built CLI) to the notification URL check and the SMTP server that never greets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverSettings } from '../../cli/settings.js';
import { UsageError } from '../../cli/command.js';
import { DEFAULT_OUTBOUND_TIMEOUT_MS } from '../../platform/outbound/timeouts.js';
import { seedAcme } from '../support/harness.js';
import { openStore } from '../../platform/database/database.js';
import { startLfkServer } from '../support/cli.js';
import { startHangingPeer, startLocalReceiver, type HangingPeer, type LocalReceiver } from './outbound-peers.js';

describe('the outbound settings', () => {
  it('default to a 10 s timeout and no private notification URLs', () => {
    expect(DEFAULT_OUTBOUND_TIMEOUT_MS).toBe(10_000);
    const settings = serverSettings({});
    expect(settings).toMatchObject({
      outboundTimeoutMs: 10_000,
      allowPrivateUrls: false,
      webhooks: { outboundTimeoutMs: 10_000 },
    });
  });

  it('take LFK_OUTBOUND_TIMEOUT_MS and LFK_ALLOW_PRIVATE_URLS=1 / true', () => {
    expect(serverSettings({ LFK_OUTBOUND_TIMEOUT_MS: '250', LFK_ALLOW_PRIVATE_URLS: '1' })).toMatchObject({
      outboundTimeoutMs: 250,
      allowPrivateUrls: true,
      webhooks: { outboundTimeoutMs: 250 },
    });
    expect(serverSettings({ LFK_ALLOW_PRIVATE_URLS: 'true' }).allowPrivateUrls).toBe(true);
    expect(serverSettings({ LFK_ALLOW_PRIVATE_URLS: '0' }).allowPrivateUrls).toBe(false);
  });

  it.each(['0', '-5', '1.5', 'ten', '600001'])(
    'refuse LFK_OUTBOUND_TIMEOUT_MS=%s with a usage error naming the setting',
    (value) => {
      expect(() => serverSettings({ LFK_OUTBOUND_TIMEOUT_MS: value })).toThrow(UsageError);
      expect(() => serverSettings({ LFK_OUTBOUND_TIMEOUT_MS: value })).toThrow(
        /LFK_OUTBOUND_TIMEOUT_MS must be a whole number from 1 to 600000/,
      );
    },
  );
});

describe('lfk serve without LFK_ALLOW_PRIVATE_URLS', () => {
  let dir: string;
  let receiver: LocalReceiver;
  let smtp: HangingPeer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-outbound-'));
    [receiver, smtp] = await Promise.all([startLocalReceiver(), startHangingPeer('smtp')]);
  });
  afterEach(async () => {
    await Promise.all([receiver.close(), smtp.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a 127.0.0.1 notification URL when set and when delivering, and gives up on an SMTP server that never greets', async () => {
    const databaseUrl = `sqlite:${join(dir, 'lfk.db')}`;
    // Delivery must refuse the loopback URL that seedAcme saves.
    const { seeded } = await seedAcme(databaseUrl, `${receiver.origin}/lfk`, async (service, accountId) => ({
      leaked: await service.createKey(accountId, { name: 'Leaked' }, { actor: { type: 'system' } }),
      manager: await service.createKey(
        accountId,
        { name: 'Manager', scopes: ['keys:manage'] },
        { actor: { type: 'system' } },
      ),
    }));
    const { leaked, manager } = seeded;

    const server = await startLfkServer(
      { LFK_DATABASE_URL: databaseUrl, LFK_SMTP_URL: smtp.url, LFK_OUTBOUND_TIMEOUT_MS: '300', LFK_LOG_LEVEL: 'warn' },
      dir,
    );
    const check = await openStore(databaseUrl, { migrate: false });
    try {
      const patch = await fetch(`${server.url}/v1/account`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${manager.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ notification_url: 'http://169.254.169.254/latest/meta-data/' }),
      });
      expect(patch.status).toBe(400);
      expect(((await patch.json()) as { error: { message: string } }).error.message).toContain(
        'notification_url must be reachable from the internet',
      );

      const report = await fetch(`${server.url}/v1/exposures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys: [leaked.key] }),
      });
      expect(report.status).toBe(200);

      const notices = await until(async () => {
        const rows = await check.db
          .selectFrom('notification_outbox')
          .select(['channel', 'status', 'attempts', 'last_error'])
          .orderBy('channel')
          .execute();
        return rows.length === 2 && rows.every((row) => row.last_error !== null) ? rows : undefined;
      });
      expect(notices.map((row) => ({ ...row, attempts: Number(row.attempts) }))).toEqual([
        { channel: 'email', status: 'pending', attempts: 1, last_error: expect.stringMatching(/greeting|timeout/i) },
        {
          channel: 'webhook',
          status: 'failed',
          attempts: 1,
          last_error: expect.stringContaining(
            '127.0.0.1 is an address inside the network (set LFK_ALLOW_PRIVATE_URLS=1 to allow it)',
          ),
        },
      ]);
      expect(receiver.requests).toEqual([]);
      expect(
        await check.db.selectFrom('api_keys').select('revoked_reason').where('id', '=', leaked.id).executeTakeFirst(),
      ).toEqual({ revoked_reason: 'exposed:report' });
    } finally {
      await check.close();
      await server.stop();
    }
  });
});

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for both notices to be tried');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
