import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets (text, as UTF-8, or bytes) without leaking, through timing, how much of
 * them matched. Hashing first gives equal lengths, so the comparison time does not reveal the
 * length either, and secrets of different lengths are simply unequal.
 */
export function secretsEqual(presented: string | Uint8Array, expected: string | Uint8Array): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
