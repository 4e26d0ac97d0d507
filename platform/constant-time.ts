import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares two secrets without leaking, through timing, how much of them matched. */
export function secretsEqual(presented: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time does not reveal the length either.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
