// Abuse limits on the key routes: requests per key per second, and failed authentications per
// client address (an address guessing keys is refused with 429; valid keys from it still work).
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../support/databases.js';
import type { Harness } from '../../support/harness.js';
import {
  type ApiClient,
  expectError,
  expectStatus,
  type Tenant,
  unknownKey,
  useRouteHarness,
} from '../../support/http.js';

const KEY_LIMIT = 3;
const FAILURE_LIMIT = 5;

describe.each(DIALECTS)('abuse limits on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;
  let tenant: Tenant;
  // A clock the tests move, so no window boundary falls between requests by chance.
  let nowMs = Date.parse('2026-11-27T10:00:00.250Z');

  useRouteHarness(
    dialect,
    {
      service: { now: () => new Date(nowMs) },
      api: { keyRateLimit: KEY_LIMIT, authFailureLimit: FAILURE_LIMIT, trustProxy: true },
    },
    async (made) => {
      ({ h, api } = made);
      tenant = await h.createTenant();
    },
  );
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it(`lets a key make ${KEY_LIMIT} requests a second, then answers 429 with Retry-After and the limit, counting no usage`, async () => {
    nowMs += 10_000;
    const key = tenant.enrichment.key;
    for (let i = 0; i < KEY_LIMIT; i++) expectStatus(await api.get('/v1/usage', key), 200);
    const refused = await api.get('/v1/usage', key);
    expectError(refused, 429, 'rate_limited', /more than 3 requests in one second/);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-limit')).toBe(String(KEY_LIMIT));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBe(Math.floor(nowMs / 1000) + 1);

    // Another key of the same account has its own allowance.
    expectStatus(await api.get('/v1/usage', tenant.admin.key), 200);
    // The next second the key is served again, and its usage counted only the answered requests.
    nowMs += 1000;
    const after = await api.get('/v1/usage', key);
    expectStatus(after, 200);
    expect(after.body.key.requests).toBe(KEY_LIMIT + 1);
  });

  it('limits routed requests (not only the usage fast path) the same way', async () => {
    nowMs += 10_000;
    for (let i = 0; i < KEY_LIMIT; i++) expectStatus(await api.get('/v1/keys', tenant.manager.key), 200);
    expectError(await api.get('/v1/keys', tenant.manager.key), 429, 'rate_limited');
    expectError(await api.post('/v1/keys', { name: 'Refused' }, tenant.manager.key), 429, 'rate_limited');
    nowMs += 1000;
    expectStatus(await api.get('/v1/keys', tenant.manager.key), 200);
  });

  it(`after ${FAILURE_LIMIT} failed authentications an address gets 429 for keys that fail, for the rest of the minute`, async () => {
    nowMs += 120_000;
    const guesser = from('203.0.113.7');
    expectStatus(
      await api.get('/v1/usage', undefined, { ...guesser, authorization: `Bearer ${tenant.enrichment.key}` }),
      200,
    );
    for (let i = 0; i < FAILURE_LIMIT; i++)
      expectError(await api.get('/v1/usage', unknownKey(), guesser), 401, 'invalid_api_key');

    const blocked = await api.get('/v1/usage', unknownKey(), guesser);
    expectError(blocked, 429, 'rate_limited', /Too many failed authentications from this address/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.get('ratelimit-limit')).toBe(String(FAILURE_LIMIT));
    expectStatus(await api.get('/v1/usage', tenant.enrichment.key, guesser), 200);

    // Other addresses are not affected.
    expectError(await api.get('/v1/usage', unknownKey(), from('198.51.100.2')), 401, 'invalid_api_key');
    // Malformed keys count too: a second address sending garbage is refused the same way.
    for (let i = 0; i < FAILURE_LIMIT; i++)
      expectError(await api.get('/v1/usage', 'lfk_sk_short', from('198.51.100.3')), 401, 'invalid_api_key');
    expectError(await api.get('/v1/usage', 'lfk_sk_short', from('198.51.100.3')), 429, 'rate_limited');

    nowMs += 60_000;
    expectError(await api.get('/v1/usage', unknownKey(), guesser), 401, 'invalid_api_key');
  });

  it('counts failed authentications per IPv6 /64: 2001:db8:1:2::1 to ::ffff share one budget, 2001:db8:1:3::1 has its own', async () => {
    nowMs += 120_000;
    // Each guess from a new address of the same /64, as a host holding the /64 could send them.
    for (let i = 1; i <= FAILURE_LIMIT; i++)
      expectError(
        await api.get('/v1/usage', unknownKey(), from(`2001:db8:1:2::${i.toString(16)}`)),
        401,
        'invalid_api_key',
      );
    for (const same of [
      '2001:db8:1:2::ffff',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002:0000:0000:0000:0abc',
    ]) {
      expectError(
        await api.get('/v1/usage', unknownKey(), from(same)),
        429,
        'rate_limited',
        /Too many failed authentications from this address/,
      );
    }
    // The next /64 is another customer.
    expectError(await api.get('/v1/usage', unknownKey(), from('2001:db8:1:3::1')), 401, 'invalid_api_key');
    // Valid keys from the blocked /64 still work.
    expectStatus(await api.get('/v1/usage', tenant.enrichment.key, from('2001:db8:1:2::7')), 200);
  });

  it('counts an IPv4 client written as IPv4-mapped IPv6 against its IPv4 budget', async () => {
    nowMs += 120_000;
    for (let i = 0; i < FAILURE_LIMIT; i++) {
      const address = i % 2 === 0 ? '203.0.113.44' : '::ffff:203.0.113.44';
      expectError(await api.get('/v1/usage', unknownKey(), from(address)), 401, 'invalid_api_key');
    }
    expectError(await api.get('/v1/usage', unknownKey(), from('203.0.113.44')), 429, 'rate_limited');
    expectError(await api.get('/v1/usage', unknownKey(), from('::ffff:cb00:712c')), 429, 'rate_limited');
    // The neighbouring IPv4 address is not affected: IPv4 counts whole addresses.
    expectError(await api.get('/v1/usage', unknownKey(), from('203.0.113.45')), 401, 'invalid_api_key');
  });

  it('a guesser sharing an address with customers (a proxy, a NAT) locks no valid key out, cached or not', async () => {
    nowMs += 120_000;
    const shared = from('203.0.113.9');
    const fresh = await h.createKey(tenant.accountId, { name: 'Fresh', scopes: ['enrichment'] });
    for (let i = 0; i < FAILURE_LIMIT * 3; i++) await api.get('/v1/usage', unknownKey(), shared);
    expectError(await api.get('/v1/usage', unknownKey(), shared), 429, 'rate_limited');
    // A key this instance has never seen is looked up and served, and its use is counted.
    const served = await api.get('/v1/usage', fresh.key, shared);
    expectStatus(served, 200);
    expect(served.body.key).toMatchObject({ id: fresh.id, requests: 1 });
    for (const route of ['/v1/keys']) expectStatus(await api.get(route, tenant.manager.key, shared), 200);
    // The guesser is still refused meanwhile.
    expectError(await api.get('/v1/usage', unknownKey(), shared), 429, 'rate_limited');
  });

  it('behind the proxy, the address is the hop the proxy appended: hops a client writes itself choose no budget', async () => {
    nowMs += 120_000;
    for (let i = 0; i < FAILURE_LIMIT; i++)
      expectError(
        await api.get('/v1/usage', unknownKey(), from(`198.18.0.${i + 1}, 203.0.113.60`)),
        401,
        'invalid_api_key',
      );
    expectError(await api.get('/v1/usage', unknownKey(), from('198.18.0.99, 203.0.113.60')), 429, 'rate_limited');
    expectError(await api.get('/v1/usage', unknownKey(), from('203.0.113.60')), 429, 'rate_limited');
    expectError(await api.get('/v1/usage', unknownKey(), from('203.0.113.60, 203.0.113.61')), 401, 'invalid_api_key');
  });
});
