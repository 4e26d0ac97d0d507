// Property tests of the key format (docs/key-service.md#key-format, platform/key-format.ts) and of
// reading the key from request headers (key-service/http/credentials.ts). Fixed seed: a failure
// replays the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCredentials } from '../../key-service/http/credentials.js';
import {
  BASE62,
  checksumOf,
  displayOf,
  displayParts,
  generateKey,
  hasKeyShape,
  isWellFormedKey,
  KEY_LENGTH,
  KEY_PREFIX,
  RANDOM_LENGTH,
  redactKeys,
  toBase62,
} from '../../platform/key-format.js';
import { FUZZ_SEED } from './seed.js';

const RUNS = { seed: FUZZ_SEED, numRuns: 2000 };

const base62Char = fc.constantFrom(...BASE62);
const body = fc.string({ unit: base62Char, minLength: RANDOM_LENGTH, maxLength: RANDOM_LENGTH });
/** A well-formed key built from a generated body (so fast-check's seed decides it). */
const wellFormedKey = body.map((random) => KEY_PREFIX + random + checksumOf(random));
/** Any text, often with the key prefix or a whole key inside it. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((tail) => KEY_PREFIX + tail),
  fc.tuple(fc.string(), wellFormedKey, fc.string()).map(([before, key, after]) => before + key + after),
);

describe('key format properties', () => {
  it(`keys, generated or built from any base62 body, have the shape and a valid checksum (${RUNS.numRuns} runs + 2000 generateKey)`, () => {
    fc.assert(
      fc.property(wellFormedKey, (key) => {
        expect(key).toHaveLength(KEY_LENGTH);
        expect(hasKeyShape(key)).toBe(true);
        expect(isWellFormedKey(key)).toBe(true);
      }),
      RUNS,
    );
    for (let run = 0; run < 2000; run++) expect(isWellFormedKey(generateKey())).toBe(true);
  });

  it(`any single-character change anywhere in a key is rejected (${RUNS.numRuns} runs)`, () => {
    // CRC-32 detects every single-byte error and the base62 checksum is one-to-one on 32 bits,
    // so no change of one character can keep a valid checksum, whatever the character.
    fc.assert(
      fc.property(
        wellFormedKey,
        fc.nat(KEY_LENGTH - 1),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        (key, at, replacement) => {
          fc.pre(key[at] !== replacement);
          const changed = key.slice(0, at) + replacement + key.slice(at + 1);
          expect(isWellFormedKey(changed), changed).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('every one of the 40 × 61 base62 substitutions of a key is rejected (exhaustive, 20 keys)', () => {
    const accepted: string[] = [];
    let tried = 0;
    for (let sample = 0; sample < 20; sample++) {
      const key = generateKey();
      for (let at = KEY_PREFIX.length; at < KEY_LENGTH; at++) {
        for (const replacement of BASE62) {
          if (replacement === key[at]) continue;
          const changed = key.slice(0, at) + replacement + key.slice(at + 1);
          tried++;
          if (isWellFormedKey(changed)) accepted.push(changed);
        }
      }
    }
    expect(tried).toBe(20 * 40 * 61);
    expect(accepted).toEqual([]);
  });

  it(`arbitrary strings never make the parser throw, and well-formed implies the shape (${RUNS.numRuns} runs)`, () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const shaped = hasKeyShape(text);
        const valid = isWellFormedKey(text);
        if (valid) expect(shaped).toBe(true);
        displayParts(text);
        redactKeys(text);
      }),
      RUNS,
    );
  });

  it(`the display form and redacted text never contain the full key or its random part (${RUNS.numRuns} runs)`, () => {
    fc.assert(
      fc.property(wellFormedKey, fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (key, before, after) => {
        const display = displayOf(key);
        expect(display).toBe(`${key.slice(0, 11)}…${key.slice(-4)}`);
        expect(display).not.toContain(key);
        expect(display).not.toContain(key.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_LENGTH));
        const redacted = redactKeys(`${before}${key}${after}`);
        expect(redacted).not.toContain(key);
        expect(redactKeys(redacted)).toBe(redacted);
      }),
      RUNS,
    );
  });

  it(`base62 of every 32-bit checksum is 6 characters and tells values apart (${RUNS.numRuns} runs)`, () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (a, b) => {
        expect(toBase62(a, 6)).toMatch(/^[0-9A-Za-z]{6}$/);
        expect(toBase62(a, 6) === toBase62(b, 6)).toBe(a === b);
      }),
      RUNS,
    );
  });
});

describe('reading the key from request headers', () => {
  const header = fc.option(fc.string({ unit: 'binary' }), { nil: undefined });

  it(`any Authorization and X-API-Key headers give a verdict, never an exception (${RUNS.numRuns} runs)`, () => {
    fc.assert(
      fc.property(header, header, (authorization, apiKey) => {
        const verdict = readCredentials(authorization, apiKey);
        expect(['none', 'conflict', 'malformed', 'token']).toContain(verdict.kind);
        if (verdict.kind === 'token') expect(verdict.token).not.toBe('');
      }),
      RUNS,
    );
  });

  it(`"Bearer <key>" in any case and spacing gives back the key (${RUNS.numRuns} runs)`, () => {
    const spaces = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 });
    const bearer = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr');
    fc.assert(
      fc.property(
        wellFormedKey,
        bearer,
        spaces,
        spaces,
        spaces,
        fc.boolean(),
        (key, word, lead, gap, trail, alsoApiKey) => {
          const verdict = readCredentials(`${lead}${word} ${gap}${key}${trail}`, alsoApiKey ? key : undefined);
          expect(verdict).toEqual({ kind: 'token', token: key });
        },
      ),
      RUNS,
    );
  });
});
