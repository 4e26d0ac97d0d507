// Prefixed, time-ordered ids (`key_…`, `acct_…`): sorting by id sorts by creation, which makes
// "newest first" and cursor paging one indexed comparison on both databases.
import { randomBytes } from 'node:crypto';
import { randomBase62, toBase62 } from './key-format.js';

export type IdPrefix = 'acct' | 'usr' | 'key' | 'job' | 'evt' | 'ses' | 'dlv' | 'ntf' | 'bfj';

let lastTick = 0;

/** Microseconds since the epoch, strictly increasing within this process. */
function nextTick(): number {
  lastTick = Math.max(Date.now() * 1000, lastTick + 1);
  return lastTick;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${toBase62(nextTick(), 10)}${randomBase62(12)}`;
}

const ID_SHAPE = /^[a-z]{2,4}_[0-9A-Za-z]{22}$/;

export function isIdOf(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(`${prefix}_`) && ID_SHAPE.test(value);
}

/** 256 random bits, URL-safe: a session cookie, a CSRF token, a setup link. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
