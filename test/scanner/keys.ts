// Test keys built at run time (never literal valid keys in the repository, which scans itself).
import { createHash } from 'node:crypto';
import { BASE62, KEY_PREFIX, checksumOf } from '../../platform/key-format.js';

/** A well-formed key whose body is derived from `seed`, so tests can refer to the same key twice. */
export function testKey(seed: string): string {
  const digest = createHash('sha512').update(seed).digest();
  let body = '';
  for (let i = 0; body.length < 34; i++) body += BASE62[digest[i % digest.length]! % 62];
  return KEY_PREFIX + body + checksumOf(body);
}

/** The same key with its last checksum character changed. */
export function badChecksum(key: string): string {
  const last = key.at(-1) === 'a' ? 'b' : 'a';
  return key.slice(0, -1) + last;
}
