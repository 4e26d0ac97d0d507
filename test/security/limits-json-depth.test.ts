// The bracket-counting scan in front of JSON.parse agrees with the real nesting depth of any JSON
// value, whatever its strings hold (brackets, quotes, backslashes, unicode escapes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonTooDeep, MAX_JSON_DEPTH } from '../../platform/limits/json-depth.js';

/** Arrays and objects inside one another, counted as the scan counts them. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

/** Wraps a value in `levels` arrays or objects, alternating. */
function nest(value: unknown, levels: number): unknown {
  let nested = value;
  for (let level = 0; level < levels; level++) nested = level % 2 === 0 ? [nested] : { '[{"': nested };
  return nested;
}

describe('the JSON depth scan', () => {
  it('says "too deep" exactly when a value nests deeper than the limit (2,000 values)', () => {
    const value = fc
      .tuple(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 0, max: 40 }))
      .map(([inner, levels]) => nest(inner, levels));
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 40 }), (json, limit) => {
        expect(isJsonTooDeep(JSON.stringify(json), limit)).toBe(depthOf(json) > limit);
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores brackets inside strings, escaped quotes included (1,000 strings)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('[', '{', ']', '}', '"', '\\', 'a', 'é', '\u2028') }), (text) => {
        expect(isJsonTooDeep(JSON.stringify({ text: [text] }), 2)).toBe(false);
        expect(isJsonTooDeep(JSON.stringify({ text: [[text]] }), 2)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it(`holds the limit at ${MAX_JSON_DEPTH} levels by default`, () => {
    expect(isJsonTooDeep(JSON.stringify(nest(1, MAX_JSON_DEPTH)))).toBe(false);
    expect(isJsonTooDeep(JSON.stringify(nest(1, MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(isJsonTooDeep('['.repeat(1_000_000))).toBe(true);
  });
});
