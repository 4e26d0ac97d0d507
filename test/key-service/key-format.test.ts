import { describe, expect, it } from 'vitest';
import {
  checksumOf,
  displayParts,
  generateKey,
  hasKeyShape,
  isWellFormedKey,
  randomBase62,
  sha256Hex,
  toBase62,
} from '../../platform/key-format.js';
import { hmslHash, hmslHashSync } from '../../platform/hmsl-hash.js';

describe('key format (docs/key-service.md#key-format)', () => {
  it('matches the checksum test vectors', () => {
    expect(checksumOf('abcdefghijklmnopqrstuvwxyz01234567')).toBe('3aayDS');
    expect(checksumOf('0'.repeat(34))).toBe('0iqUEf');
    // GitHub's own 30-character token bodies, same function.
    expect(checksumOf('abcdefghijklmnopqrstuvwxyz0123')).toBe('2LolCm');
    expect(checksumOf('zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ')).toBe('0mLq17');
  });

  it('accepts the well-formed vector and rejects the documentation example', () => {
    expect(isWellFormedKey('lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS')).toBe(true);
    expect(hasKeyShape('lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0')).toBe(true);
    expect(isWellFormedKey('lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0')).toBe(false);
  });

  it('rejects wrong lengths, prefixes and characters', () => {
    const good = 'lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS';
    expect(isWellFormedKey(good.slice(0, -1))).toBe(false);
    expect(isWellFormedKey(`${good}a`)).toBe(false);
    expect(isWellFormedKey(good.replace('lfk_sk_', 'lfk_pk_'))).toBe(false);
    expect(isWellFormedKey(good.replace('a', '-'))).toBe(false);
    expect(isWellFormedKey(` ${good}`)).toBe(false);
    expect(isWellFormedKey('')).toBe(false);
  });

  it('generates well-formed, distinct keys', () => {
    const keys = new Set(Array.from({ length: 200 }, generateKey));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^lfk_sk_[0-9A-Za-z]{40}$/);
      expect(isWellFormedKey(key)).toBe(true);
    }
  });

  it('draws random characters without modulo bias', () => {
    // 62 × 800 draws: each character's count stays near 800 (a bias of 248→256 would show as
    // the first 8 characters appearing ~2× more often than the rest).
    const counts = new Map<string, number>();
    for (const char of randomBase62(62 * 800)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(600);
      expect(count).toBeLessThan(1000);
    }
  });

  it('writes base62 most significant digit first, padded', () => {
    expect(toBase62(0, 6)).toBe('000000');
    expect(toBase62(61, 6)).toBe('00000z');
    expect(toBase62(62, 6)).toBe('000010');
    expect(toBase62(0xffffffff, 6)).toBe('4gfFC3');
  });

  it('displays prefix and last 4 only', () => {
    const parts = displayParts('lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS');
    expect(parts).toEqual({ prefix: 'lfk_sk_abcd', last4: 'ayDS', display: 'lfk_sk_abcd…ayDS' });
  });

  it('hashes with sha256 and the HMSL algorithm', async () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const vector = '2a19c7cfb33d04dd7ac495357b70a9819a10cca1955d6bdff49a24ced80ff449';
    expect(hmslHashSync(`lfk_sk_${'A'.repeat(40)}`)).toBe(vector);
    expect(await hmslHash(`lfk_sk_${'A'.repeat(40)}`)).toBe(vector);
  });
});
