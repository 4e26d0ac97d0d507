// The inbox on both databases: claims safe with several workers, leases that run out, repeated
// deliveries stored once; and the ExposureReporter contract, in-process and over HTTP, including a
// key service that is down (deliveries wait and are retried, never dropped).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpReporter, inProcessReporter, type ExposureReporter } from '../../key-service/exposure-reporter.js';
import { hmslHashSync } from '../../platform/hmsl-hash.js';
import { sha256Hex } from '../../platform/key-format.js';
import { claimRows, completeRow } from '../../platform/queue/queue.js';
import type { Store } from '../../platform/database/database.js';
import { storeDelivery } from '../../webhook-server/inbox.js';
import { DIALECTS } from '../support/databases.js';
import { BAD_CHECKSUM_KEY, eventsOf, keyRow, unknownKey } from '../support/http.js';
import {
  expectWaitingForKeyService,
  freePort,
  listenKeyService,
  SERVICE_TOKEN,
  webhooksApart,
} from './key-service-server.js';
import { createWebhookHarness, gitguardianHeaders, incidentBody, type WebhookHarness } from './support.js';

describe.each(DIALECTS)('inbox on %s', (dialect) => {
  let h: WebhookHarness;
  let second: Store;

  beforeEach(async () => {
    h = await createWebhookHarness(dialect);
    second = await h.database.open();
  });
  afterEach(async () => {
    await second.close();
    await h.close();
  });

  it('gives each delivery to exactly one of several concurrent claimers (two connections)', async () => {
    for (let index = 0; index < 60; index++) {
      await storeDelivery(h.store, {
        provider: 'github-app',
        event: 'push',
        dedupKey: `github-app:${index}`,
        payload: '{}',
      });
    }
    const claimed: string[] = [];
    const claimer = async (store: Store) => {
      for (;;) {
        const rows = await claimRows(store, 'webhook_deliveries', 3, 60_000);
        expect(rows.length).toBeLessThanOrEqual(3);
        if (rows.length === 0) return;
        claimed.push(...rows.map((row) => row.id));
      }
    };
    await Promise.all([claimer(h.store), claimer(second), claimer(h.store), claimer(second)]);
    expect(claimed).toHaveLength(60);
    expect(new Set(claimed).size).toBe(60);
  });

  it('claims at most the number asked for, oldest first', async () => {
    const ids = [];
    for (let index = 0; index < 5; index++)
      ids.push(
        (
          await storeDelivery(h.store, {
            provider: 'github-app',
            event: 'push',
            dedupKey: `order-${index}`,
            payload: '{}',
          })
        ).id,
      );
    const claimed = [];
    for (let index = 0; index < 5; index++) {
      const rows = await claimRows(h.store, 'webhook_deliveries', 1, 60_000);
      expect(rows).toHaveLength(1);
      claimed.push(rows[0]!.id);
    }
    expect(claimed).toEqual(ids);
  });

  it('takes a row back when its lease runs out, and ignores the first worker finishing late', async () => {
    await storeDelivery(h.store, {
      provider: 'github-app',
      event: 'push',
      dedupKey: 'github-app:lease',
      payload: '{}',
    });
    const [first] = await claimRows(h.store, 'webhook_deliveries', 1, 0);
    expect(first).toMatchObject({ status: 'processing', attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [again] = await claimRows(second, 'webhook_deliveries', 1, 60_000);
    expect(again).toMatchObject({ id: first!.id, attempts: 2 });
    expect(await claimRows(h.store, 'webhook_deliveries', 1, 60_000)).toEqual([]);
    expect(await completeRow(h.store, 'webhook_deliveries', first!, { by: 'late worker' })).toBe(false);
    expect(await completeRow(second, 'webhook_deliveries', again!, { by: 'second worker' })).toBe(true);
    expect((await h.deliveries())[0]).toMatchObject({ status: 'done', result: { by: 'second worker' } });
  });

  it('stores a repeated delivery once, with the first id', async () => {
    const delivery = {
      provider: 'gitguardian' as const,
      event: 'incident_triggered',
      dedupKey: 'gitguardian:1:incident_triggered',
      payload: '{}',
    };
    const first = await storeDelivery(h.store, delivery);
    const [a, b] = await Promise.all([storeDelivery(h.store, delivery), storeDelivery(second, delivery)]);
    expect(first.duplicate).toBe(false);
    expect([a, b]).toEqual([
      { id: first.id, duplicate: true },
      { id: first.id, duplicate: true },
    ]);
  });

  describe('ExposureReporter contract', () => {
    const implementations: Array<[string, (h: WebhookHarness, port: number) => ExposureReporter]> = [
      ['in-process', (harness) => inProcessReporter(harness.service)],
      ['http', (_harness, port) => httpReporter(`http://127.0.0.1:${port}`, SERVICE_TOKEN)],
    ];

    it.each(implementations)('%s: labels, revokes by SHA-256 and by HMSL hash, in order', async (_name, make) => {
      const port = await freePort();
      const server = await listenKeyService(h.service, port);
      try {
        const reporter = make(h, port);
        const { accountId } = await h.createAccount();
        const [a, b, c] = [await h.createKey(accountId), await h.createKey(accountId), await h.createKey(accountId)];
        const stranger = unknownKey();
        expect(await reporter.issued([a.key, stranger, BAD_CHECKSUM_KEY])).toEqual([true, false, false]);
        const source = { kind: 'github' as const, url: 'https://github.com/o/r', location: 'o/r:x:1' };
        const found = [sha256Hex(a.key), sha256Hex(stranger), 'nope', sha256Hex(a.key)].map((sha256) => ({
          sha256,
          source,
        }));
        expect(await reporter.revokeBySha256(found, 'exposed:github-partner')).toEqual([
          'revoked',
          'unknown',
          'invalid',
          'already_revoked',
        ]);
        expect(
          await reporter.revokeByHmsl([hmslHashSync(b.key)], {
            source: { kind: 'gitguardian' },
            reason: 'exposed:gitguardian',
          }),
        ).toEqual(['revoked']);
        expect(await reporter.issued([a.key, c.key])).toEqual([true, true]);
        expect((await keyRow(h, a.id)).revoked_reason).toBe('exposed:github-partner');
        expect((await keyRow(h, b.id)).revoked_reason).toBe('exposed:gitguardian');
        expect((await keyRow(h, c.id)).revoked_at).toBeNull();
      } finally {
        await server.close();
      }
    });
  });

  it('keeps deliveries while a remote key service is down, and processes them once it is back', async () => {
    const { remote, keyServiceUp } = await webhooksApart(dialect, h, { gitguardianApiToken: undefined });
    // The key service's own data lives in `h`; the webhook server `remote` reaches it over HTTP.
    const { accountId, key } = await h.createAccountWithKey();
    const body = incidentBody(key.key);
    expect((await remote.post('/webhooks/gitguardian', body, gitguardianHeaders(body))).status).toBe(202);
    for (let attempt = 0; attempt < 3; attempt++) {
      await remote.retryNow();
      await remote.drain();
    }
    // Far past any retry limit: an unavailable key service is never a reason to give up.
    await remote.store.db.updateTable('webhook_deliveries').set({ attempts: 50 }).execute();
    await remote.retryNow();
    await remote.drain();
    await expectWaitingForKeyService(remote, h, key.id, { attempts: 51 });

    await keyServiceUp();
    await remote.retryNow();
    expect(await remote.drain()).toBe(1);
    expect((await remote.deliveries())[0]).toMatchObject({ status: 'done', result: { status: 'revoked' } });
    expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:gitguardian');
    expect(await eventsOf(h, accountId, 'key.revoked')).toHaveLength(1);
  });
});
