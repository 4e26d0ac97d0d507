// A customer's notification URL must not reach inside lfk's network: refused when it is set (a
// literal private address or `localhost`) and when the notice is delivered (after DNS, on the
// address connected to), unless LFK_ALLOW_PRIVATE_URLS=1. A refused notice fails for good with
// its reason; the revocation itself stands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyWorker } from '../../key-service/notify/notify-worker.js';
import type { LookupAddress } from 'node:dns';
import { publicOnlyLookup } from '../../platform/outbound/guarded-fetch.js';
import { isPrivateAddress } from '../../platform/outbound/private-addresses.js';
import { DIALECTS } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';
import { ApiClient } from '../support/http.js';
import { WebClient, createWebHarness, type WebHarness } from '../web/web-client.js';
import { startLocalReceiver, type LocalReceiver } from './outbound-peers.js';

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

describe('private addresses', () => {
  const REFUSED = [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:7f00:1',
    '::7f00:1',
    '[::1]',
    // IPv6 forms that carry an IPv4 address a translator or tunnel would reach: 127.0.0.1,
    // 10.0.0.1 and 169.254.169.254 in each of them.
    // NAT64, well-known prefix 64:ff9b::/96 (RFC 6052).
    '64:ff9b::7f00:1',
    '64:ff9b::127.0.0.1',
    '[64:ff9b::7f00:1]',
    '64:FF9B:0:0:0:0:7F00:1',
    '64:ff9b::a00:1',
    '64:ff9b::10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::169.254.169.254',
    // NAT64, local-use prefix 64:ff9b:1::/48 (RFC 8215), whatever the embedding.
    '64:ff9b:1::7f00:1',
    '64:ff9b:1::127.0.0.1',
    '64:ff9b:1::a00:1',
    '64:ff9b:1::a9fe:a9fe',
    '64:ff9b:1:abcd:7f:0:100:0',
    // 6to4, 2002::/16 (RFC 3056): the IPv4 address in bits 16-48.
    '2002:7f00:1::',
    '2002:7f00:0001:0:0:0:0:1',
    '2002:a00:1::1',
    '2002:a9fe:a9fe::',
    // SIIT, IPv4-translated ::ffff:0:a.b.c.d (RFC 6145).
    '::ffff:0:7f00:1',
    '::ffff:0:127.0.0.1',
    '::ffff:0:a00:1',
    '::ffff:0:169.254.169.254',
    // Teredo, 2001::/32 (RFC 4380): the server's IPv4 in bits 32-64, or the client's, XOR-ed, in the last 32 bits.
    '2001:0:7f00:1::',
    '2001:0:a00:1::',
    '2001:0:a9fe:a9fe::',
    '2001:0:808:808::80ff:fffe',
    '2001:0:808:808::f5ff:fffe',
    '2001:0:808:808::5601:5601',
    // IPv4-compatible ::a.b.c.d (deprecated).
    '::127.0.0.1',
    '::a00:1',
    '::169.254.169.254',
  ];
  const ALLOWED = [
    '8.8.8.8',
    '1.1.1.1',
    '100.128.0.1',
    '172.32.0.1',
    '169.255.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    'example.com',
    // A public IPv4 address through the NAT64 well-known prefix, 6to4, SIIT or Teredo is on the internet.
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '::ffff:0:808:808',
    '2001:0:808:808::f7f7:f7f7',
    // Neighbours of the translation prefixes are ordinary addresses.
    '64:ff9c::7f00:1',
    '2003:7f00:1::',
    '2001:db8:7f00:1::',
  ];

  it.each(REFUSED)('%s is inside the network', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(ALLOWED)('%s is not', (address) => expect(isPrivateAddress(address)).toBe(false));
});

describe('the connection lookup for notification URLs', () => {
  /** A DNS that answers these records for every name. */
  const dnsAnswering =
    (records: LookupAddress[]) =>
    (_: string, __: unknown, callback: (error: null, addresses: LookupAddress[]) => void) =>
      callback(null, records);
  const ask = (records: LookupAddress[], all: boolean) =>
    new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) =>
      publicOnlyLookup(dnsAnswering(records))('hooks.example.test', { all }, (error, address, family) =>
        resolve({ error, address, family }),
      ),
    );

  it('hands a public answer to the connection, in the form it asked for', async () => {
    const records = [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ];
    expect(await ask(records, true)).toEqual({ error: null, address: records, family: undefined });
    expect(await ask(records, false)).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it.each([
    [[{ address: '127.0.0.1', family: 4 }], '127.0.0.1'],
    [
      [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
      '10.0.0.7',
    ],
    [
      [
        { address: '93.184.216.34', family: 4 },
        { address: '::ffff:169.254.169.254', family: 6 },
      ],
      '::ffff:169.254.169.254',
    ],
    // What a DNS64 resolver answers for a name whose A record is 10.0.0.7.
    [[{ address: '64:ff9b::a00:7', family: 6 }], '64:ff9b::a00:7'],
  ])('refuses a name whose records include a private one (%j)', async (records, inside) => {
    for (const all of [true, false]) {
      const { error } = await ask(records, all);
      expect(error?.message).toBe(`hooks.example.test resolves to ${inside}, an address inside the network`);
    }
  });
});

describe.each(DIALECTS)('notification URLs inside the network on %s', (dialect) => {
  let h: Harness;
  let v4: LocalReceiver;
  let v6: LocalReceiver;
  beforeAll(async () => {
    h = await createHarness(dialect, { service: { allowPrivateUrls: true } });
    [v4, v6] = await Promise.all([startLocalReceiver('127.0.0.1'), startLocalReceiver('::1')]);
  });
  afterAll(async () => {
    await Promise.all([v4?.close(), v6?.close()]);
    await h?.close();
  });

  /** A key of an account whose notification URL is `url`, revoked for exposure; the webhook notice after one delivery attempt. */
  async function revokeAndNotify(url: string, allowPrivateUrls: boolean) {
    const { accountId } = await h.createAccount();
    // Set through a service that allows it: the delivery-time check must stand on its own.
    await h.service.updateAccount(accountId, { notification_url: url }, { actor: { type: 'system' } });
    const key = await h.createKey(accountId);
    await h.service.reportExposures([key.key], { kind: 'other' }, { actor: { type: 'reporter' } });
    const notifier = createNotifyWorker({
      store: h.store,
      logger: QUIET,
      publicUrl: 'https://keys.test',
      allowPrivateUrls,
      timeoutMs: 2000,
    });
    await notifier.drain();
    const notice = await h.store.db
      .selectFrom('notification_outbox')
      .selectAll()
      .where('key_id', '=', key.id)
      .where('channel', '=', 'webhook')
      .executeTakeFirstOrThrow();
    const row = await h.store.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    return { notice, revoked: row.revoked_at !== null };
  }

  const reachable = () =>
    [
      ['127.0.0.1', `${v4.origin}/lfk`, v4],
      ['[::ffff:127.0.0.1]', `http://[::ffff:127.0.0.1]:${v4.port}/lfk`, v4],
      ['localhost (a name that resolves to 127.0.0.1)', `http://localhost:${v4.port}/lfk`, v4],
      ['[::1]', `${v6.origin}/lfk`, v6],
    ] as const;
  const REACHABLE_NAMES = ['127.0.0.1', '[::ffff:127.0.0.1]', 'localhost (a name that resolves to 127.0.0.1)', '[::1]'];

  it.each(REACHABLE_NAMES)(
    'refuses %s without the setting: the notice fails for good, nothing is sent, the key stays revoked',
    async (name) => {
      const [, url, receiver] = reachable().find(([label]) => label === name)!;
      const before = receiver.requests.length;
      const { notice, revoked } = await revokeAndNotify(url, false);
      expect(notice).toMatchObject({ status: 'failed', attempts: 1 });
      expect(notice.last_error).toMatch(
        /PermanentError: the notification URL is refused: .* an address inside the network \(set LFK_ALLOW_PRIVATE_URLS=1 to allow it\)/,
      );
      expect(receiver.requests.length).toBe(before);
      expect(revoked).toBe(true);
    },
  );

  it.each(REACHABLE_NAMES)('delivers to %s with LFK_ALLOW_PRIVATE_URLS=1', async (name) => {
    const [, url, receiver] = reachable().find(([label]) => label === name)!;
    const before = receiver.requests.length;
    const { notice } = await revokeAndNotify(url, true);
    expect(notice).toMatchObject({ status: 'done', attempts: 1 });
    expect(receiver.requests.length).toBe(before + 1);
    expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ type: 'key.revoked' });
  });

  it.each([
    'http://10.0.0.1/lfk',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/lfk',
    'http://192.168.0.10:8080/lfk',
    'http://0.0.0.0/lfk',
    'http://[fe80::1]/lfk',
    'http://[fd00::1]/lfk',
    'http://[::ffff:169.254.169.254]/latest/meta-data/',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
    'http://[2002:7f00:1::]:8080/lfk',
  ])('refuses %s without the setting, before connecting', async (url) => {
    const { notice, revoked } = await revokeAndNotify(url, false);
    expect(notice).toMatchObject({ status: 'failed', attempts: 1 });
    expect(notice.last_error).toContain('an address inside the network');
    expect(revoked).toBe(true);
  });
});

/**
 * A harness that refuses private URLs and one that takes them (LFK_ALLOW_PRIVATE_URLS=1), made
 * together before the block's tests and closed after them; `use` hands them to the block.
 */
function useStrictAndLenient<T extends { close(): Promise<void> }>(
  makeStrict: () => Promise<T>,
  makeLenient: () => Promise<T>,
  use: (made: { strict: T; lenient: T }) => void,
) {
  let made: { strict: T; lenient: T } | undefined;
  beforeAll(async () => {
    const [strict, lenient] = await Promise.all([makeStrict(), makeLenient()]);
    made = { strict, lenient };
    use(made);
  });
  afterAll(async () => {
    await Promise.all([made?.strict.close(), made?.lenient.close()]);
  });
}

describe.each(DIALECTS)('setting a notification URL inside the network on %s', (dialect) => {
  const LITERALS = [
    'http://127.0.0.1:9000/x',
    'http://localhost/x',
    'http://10.1.2.3/x',
    'http://169.254.169.254/latest',
    'http://[::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'https://100.64.0.1/x',
    'http://[64:ff9b::7f00:1]/x',
  ];

  describe('PATCH /v1/account', () => {
    let strict: Harness;
    let lenient: Harness;
    /** PATCH /v1/account with this notification_url, by a fresh tenant's admin key. */
    const setNotificationUrl = async (on: Harness, url: string) => {
      const tenant = await on.createTenant();
      const body = { notification_url: url };
      return { tenant, answer: await new ApiClient(on).call('PATCH', '/v1/account', { key: tenant.admin.key, body }) };
    };
    useStrictAndLenient(
      () => createHarness(dialect),
      () => createHarness(dialect, { service: { allowPrivateUrls: true } }),
      (made) => ({ strict, lenient } = made),
    );

    it.each(LITERALS)('refuses %s with 400 invalid_request, and takes it with the setting', async (url) => {
      const { tenant, answer: refused } = await setNotificationUrl(strict, url);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('notification_url must be reachable from the internet'),
      });
      expect((await strict.service.getAccount(tenant.accountId)).notification_url).toBeNull();

      const { answer: taken } = await setNotificationUrl(lenient, url);
      expect(taken.status).toBe(200);
      expect(taken.body.notification_url).toBe(url);
    });

    it('takes a public name without asking DNS (it is checked when a notice is delivered)', async () => {
      const { answer: taken } = await setNotificationUrl(strict, 'https://hooks.example.com/lfk');
      expect(taken.status).toBe(200);
    });
  });

  describe('/app/settings', () => {
    let strict: WebHarness;
    let lenient: WebHarness;
    useStrictAndLenient(
      () => createWebHarness(dialect),
      () => createWebHarness(dialect, {}, { allowPrivateUrls: true }),
      (made) => ({ strict, lenient } = made),
    );

    it.each(LITERALS)('refuses %s with the reason on the page, and takes it with the setting', async (url) => {
      const { accountId, email } = await strict.createAccount();
      const client = new WebClient(strict);
      const csrf = await client.signIn(email);
      const refused = await client.post('/app/settings', { csrf, rotation_period_days: '90', notification_url: url });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('The notification URL must be reachable from the internet');
      expect((await strict.service.getAccount(accountId)).notification_url).toBeNull();

      const other = await lenient.createAccount();
      const allowed = new WebClient(lenient);
      const taken = await allowed.post('/app/settings', {
        csrf: await allowed.signIn(other.email),
        rotation_period_days: '90',
        notification_url: url,
      });
      expect(taken.status).toBe(200);
      expect((await lenient.service.getAccount(other.accountId)).notification_url).toBe(url);
    });
  });
});
