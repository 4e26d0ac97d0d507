// Property tests of the rule loader (rules/load.ts, rules/compile.ts): whatever a `.lfk.toml`
// holds — garbled bytes, broken TOML, wrong types, any regex including what RE2 refuses — loading
// either works or throws an Error whose message names the file (and the rule and field when the
// problem is in one), never a crash of another kind.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../rules/compile.js';
import { loadRuleSet } from '../../rules/load.js';
import { builtinRulesDir, BUILTIN_RULE_FILE } from '../../rules/locate.js';
import { FUZZ_SEED } from './seed.js';

const dir = mkdtempSync(join(tmpdir(), 'lfk-fuzz-rules-'));
const file = join(dir, 'fuzz.lfk.toml');
const BUILTIN_TEXT = readFileSync(join(builtinRulesDir(), BUILTIN_RULE_FILE), 'utf8');

/** Loads and compiles `text` as a config: null when it loads, else the error (which must be an Error naming the file). */
async function loadError(text: string): Promise<string | null> {
  writeFileSync(file, text);
  try {
    compileRuleSet(await loadRuleSet(file));
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor, (error as Error).stack).toBe(Error);
    const message = (error as Error).message;
    expect(message.startsWith(`${file}:`), message).toBe(true);
    expect(message).not.toMatch(/\[object Object\]|undefined|Cannot read propert/);
    return message;
  }
}

// Pieces of regex syntax, RE2's and others' (look-around, backreferences, possessive and
// atomic groups, named groups of other flavours, unbalanced brackets, bad ranges, huge counts).
const regexPiece = fc.constantFrom(
  'lfk_sk_',
  '[0-9A-Za-z]',
  '{40}',
  '{2,}',
  '{1001}',
  '(',
  ')',
  '(?:',
  '(?i)',
  '(?P<name>',
  '(?<name>',
  '(?=',
  '(?!',
  '(?<=',
  '(?<!',
  '(?>',
  '\\1',
  '\\k<name>',
  '*',
  '+',
  '?',
  '*+',
  '++',
  '|',
  '^',
  '$',
  '\\b',
  '\\d',
  '\\p{L}',
  '\\p{Nope}',
  '\\Q',
  '\\E',
  '[',
  ']',
  '[z-a]',
  '[^',
  '\\',
  '.',
  '\\x{110000}',
  '\\C',
  '\\z',
  '\\Z',
  '(?m)',
  '(?s)',
  '(?U)',
  '(?x)',
  'a',
);
const regex = fc.oneof(
  fc.array(regexPiece, { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join('')),
  fc.string({ unit: 'binary', minLength: 1 }),
);

describe('rule loader properties', () => {
  it('garbled bytes and mutations of the built-in rule file load or fail naming the file (1000 runs)', async () => {
    const mutation = fc.tuple(fc.nat(BUILTIN_TEXT.length), fc.nat(40), fc.string({ unit: 'binary', maxLength: 8 }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
          fc
            .array(mutation, { minLength: 1, maxLength: 4 })
            .map((cuts) =>
              cuts.reduce(
                (text, [at, remove, insert]) => text.slice(0, at) + insert + text.slice(at + remove),
                BUILTIN_TEXT,
              ),
            ),
        ),
        async (text) => {
          await loadError(text);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('any regex, RE2 syntax or not, loads or fails naming the file, the rule and the field (1000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(regex, fc.constantFrom('regex', 'path', 'allowlist'), async (source, where) => {
        const rule: Record<string, unknown> = { id: 'fuzzed', regex: 'fuzz_[a-z]{8}', keywords: ['fuzz_'] };
        if (where === 'regex') rule.regex = source;
        if (where === 'path') rule.path = source;
        if (where === 'allowlist') rule.allowlists = [{ regexes: [source] }];
        const message = await loadError(stringify({ rules: [rule] }));
        if (message === null) return;
        const field = { regex: 'regex', path: 'path', allowlist: 'allowlists[0].regexes[0]' }[where];
        expect(message).toContain(`rule "fuzzed": field "${field}": not a valid RE2 regex (`);
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('fields of any type or value load or fail naming the file, the rule and the field (1000 runs)', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('regexes', 'paths', 'x'), fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 })),
    );
    const field = fc.constantFrom(
      'id',
      'regex',
      'keywords',
      'secretGroup',
      'entropy',
      'path',
      'tags',
      'allowlists',
      'validate',
      'revocable',
      'samples',
      'bogus',
    );
    await fc.assert(
      fc.asyncProperty(field, value, async (name, fieldValue) => {
        const rule: Record<string, unknown> = {
          id: 'typed',
          regex: 'typed_([a-z]{8})',
          keywords: ['typed_'],
          [name]: fieldValue,
        };
        const message = await loadError(stringify({ rules: [rule] }));
        if (message === null) return;
        // The rule is named by its id, or by its place when the id itself is the problem.
        expect(message).toMatch(/: (rule ".*"|rules\[0\])(: field "[^"]+")?: /s);
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('regression (found by the first property): a bad regex in a global allowlist names its file', async () => {
    // Before: "global allowlists[1]: field …", without the file, and counting the built-in lists.
    const message = await loadError(`[[allowlists]]\npaths = ['''Cargo\\E.lock''']\n`);
    expect(message).toBe(
      `${file}: allowlists[0]: field "paths[0]": not a valid RE2 regex (invalid escape sequence: \\E)`,
    );
  });
});
