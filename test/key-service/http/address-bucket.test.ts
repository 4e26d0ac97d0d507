// What a per-address budget counts: an IPv6 client by its /64 (one customer, or one attacker,
// holds a whole /64), an IPv4 client by its whole address, IPv4-mapped IPv6 as the IPv4 address.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../platform/errors.js';
import { addressBucket } from '../../../platform/http/address-bucket.js';
import { RateLimiter } from '../../../platform/http/rate-limit.js';

/** Each address (the key) must land in the bucket beside it. */
function expectBuckets(cases: Record<string, string>) {
  for (const [address, bucket] of Object.entries(cases)) expect(addressBucket(address), address).toBe(bucket);
}

describe('addressBucket', () => {
  it('puts every address of one IPv6 /64, written in full or compressed, in one bucket', () => {
    const bucket = addressBucket('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    for (const same of [
      '2001:db8:1:2::ffff',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002:0000:0000:0000:0001',
      '2001:DB8:1:2:0:0:0:abcd',
      '2001:db8:1:2:a:b:c:d',
      '2001:db8:1:2::192.0.2.1',
    ]) {
      expect(addressBucket(same), same).toBe(bucket);
    }
  });

  it('gives different /64s different buckets', () => {
    expectBuckets({ '2001:db8:1:3::1': '2001:db8:1:3::/64', '::1': '::/64' });
    expect(addressBucket('2001:db8:1:3::1')).not.toBe(addressBucket('2001:db8:1:2::1'));
    expect(addressBucket('2001:db8:2:2::1')).not.toBe(addressBucket('2001:db8:1:2::1'));
  });

  it('counts an IPv4 address whole, and IPv4-mapped IPv6 as that IPv4 address', () => {
    expectBuckets({
      '203.0.113.7': '203.0.113.7',
      '203.0.113.8': '203.0.113.8',
      '::ffff:203.0.113.7': '203.0.113.7',
      '::ffff:cb00:7107': '203.0.113.7',
      '0:0:0:0:0:FFFF:203.0.113.7': '203.0.113.7',
      '::ffff:127.0.0.1': '127.0.0.1',
    });
  });

  it('drops a port or brackets a proxy wrote beside the address', () => {
    expectBuckets({
      '203.0.113.7:51234': '203.0.113.7',
      '[2001:db8:1:2::1]': '2001:db8:1:2::/64',
      '[2001:db8:1:2::1]:443': '2001:db8:1:2::/64',
      '[::ffff:203.0.113.7]:80': '203.0.113.7',
    });
  });

  it('keeps a zone id (the link it came from) beside the /64 of a link-local address', () => {
    expectBuckets({
      'fe80::1%eth0': 'fe80::/64%eth0',
      'fe80::2%eth0': 'fe80::/64%eth0',
      'fe80::1%eth1': 'fe80::/64%eth1',
    });
  });

  it('leaves anything that is not an address as it is, and never throws', () => {
    for (const other of [
      'unknown',
      '',
      ' ',
      'garbage',
      'example.com',
      '1.2.3',
      '127.1',
      '0x7f.1',
      '2001:db8::1::2',
      '2001:db8:1:2::1%',
      '[2001:db8::1',
      '1.2.3.4:',
      '1.2.3.4:99999',
      'a'.repeat(10_000),
      '%eth0',
      '::ffff:1.2.3.4%eth0',
    ]) {
      expect(() => addressBucket(other)).not.toThrow();
    }
    // Shorthand IPv4 forms (127.1) are not what a socket or a proxy writes: kept as they are, not read as 127.0.0.1.
    for (const kept of ['unknown', '', 'garbage', '2001:db8::1::2', '127.1']) expect(addressBucket(kept)).toBe(kept);
  });
});

describe('RateLimiter (failed authentications, /v1/exposures, /v1/keys/verify)', () => {
  it('counts one budget per /64 and per IPv4 address', () => {
    const limiter = new RateLimiter(2);
    limiter.take('2001:db8:1:2::1', 0);
    limiter.take('2001:db8:1:2::2', 0);
    expect(() => limiter.take('2001:db8:1:2:ffff::3', 0)).toThrow(ApiError);
    expect(() => limiter.check('2001:db8:1:2::99', 0)).toThrow(/Too many requests from this address/);
    limiter.take('2001:db8:1:3::1', 0);
    limiter.take('203.0.113.1', 0);
    limiter.take('::ffff:203.0.113.1', 0);
    expect(() => limiter.take('203.0.113.1', 0)).toThrow(ApiError);
    limiter.take('203.0.113.2', 0);
    // An address nobody knows (no socket, no forwarded header) keeps its one shared budget.
    limiter.take('unknown', 0);
    limiter.take('unknown', 0);
    expect(() => limiter.take('unknown', 0)).toThrow(ApiError);
  });
});
