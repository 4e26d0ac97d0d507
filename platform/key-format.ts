// The lfk key format (docs/key-service.md#key-format). Dependency-free: the scanner imports this too.
import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const KEY_PREFIX = 'lfk_sk_';
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_LENGTH = 34;
export const CHECKSUM_LENGTH = 6;
export const KEY_BODY_LENGTH = RANDOM_LENGTH + CHECKSUM_LENGTH;
export const KEY_LENGTH = KEY_PREFIX.length + KEY_BODY_LENGTH;

const KEY_SHAPE = /^lfk_sk_[0-9A-Za-z]{40}$/;
// 248 = 4 × 62: bytes at or above it are dropped so every character is equally likely.
const REJECTION_LIMIT = 248;

/** Uniform base62 characters from crypto random bytes, by rejection sampling. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= REJECTION_LIMIT) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Base62 of an unsigned integer, most significant digit first, left-padded with `0`. */
export function toBase62(value: number, width: number): string {
  let digits = '';
  let rest = value;
  do {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return digits.padStart(width, '0');
}

/** The 6-character checksum of a key body: CRC-32 (IEEE) of its ASCII bytes in base62. */
export function checksumOf(body: string): string {
  return toBase62(crc32(Buffer.from(body, 'ascii')) >>> 0, CHECKSUM_LENGTH);
}

export function generateKey(): string {
  const body = randomBase62(RANDOM_LENGTH);
  return KEY_PREFIX + body + checksumOf(body);
}

/** True when the string has the key's shape, whatever its checksum. */
export function hasKeyShape(candidate: string): boolean {
  return KEY_SHAPE.test(candidate);
}

/** True when the string has the key's shape and a correct checksum. */
export function isWellFormedKey(candidate: string): boolean {
  if (!hasKeyShape(candidate)) return false;
  const body = candidate.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_LENGTH);
  return checksumOf(body) === candidate.slice(KEY_PREFIX.length + RANDOM_LENGTH);
}

export interface KeyDisplay {
  /** `lfk_sk_` + the first 4 random characters. */
  prefix: string;
  last4: string;
  /** `lfk_sk_a1b2…t0Xy` */
  display: string;
}

export function displayParts(key: string): KeyDisplay {
  const prefix = key.slice(0, KEY_PREFIX.length + 4);
  const last4 = key.slice(-4);
  return { prefix, last4, display: `${prefix}…${last4}` };
}

export function displayOf(key: string): string {
  return displayParts(key).display;
}

/**
 * Free text (a note, a report's source, a path, a header) with anything key-like cut to its
 * `lfk_sk_a1b2…` prefix, for what is stored, logged or echoed: a key pasted there must not survive.
 */
export function redactKeys(text: string): string {
  const keep = KEY_PREFIX.length + 4;
  return text.replace(/lfk_sk_[0-9A-Za-z]+/g, (match) => (match.length > keep ? `${match.slice(0, keep)}…` : match));
}

/** True when free text holds something with a key's shape anywhere in it, whatever its checksum. */
export function holdsKeyShape(text: string): boolean {
  return /lfk_sk_[0-9A-Za-z]{40}/.test(text);
}

/** Hex SHA-256 of the full key: what the store keeps, and GitHub's `token_hash`. */
export function sha256Hex(key: string): string {
  // The one-shot form (Node ≥ 20.12) costs half of createHash(), and this runs on every request.
  return hash('sha256', key, 'hex');
}
