// The fixed strings the encodings of a keyword share (decode/forms.ts) and the few anchor bytes the
// byte search runs on (decode/needles.ts): derived from any keyword, found however it is encoded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formsOf } from '../../scanner/decode/forms.js';
import { bytesHaystack, textHaystack } from '../../scanner/decode/haystack.js';
import { Needles } from '../../scanner/decode/needles.js';
import { FUZZ_SEED } from '../fuzz/seed.js';

describe('forms of a keyword', () => {
  it('lfk_sk_: its base64 at the three alignments, its hex, its escapes, and the gzip header in base64', () => {
    const forms = formsOf(['lfk_sk_']);
    expect(
      forms
        .filter((form) => form.kind === 'base64')
        .map((form) => form.kind === 'base64' && [form.text, form.phase, form.magic]),
    ).toEqual([
      ['bGZrX3NrX', 0, false],
      ['xma19za1', 2, false],
      ['sZmtfc2tf', 3, false],
      ['H4sI', 0, true],
    ]);
    expect(forms.filter((form) => form.kind === 'hex').map((form) => form.kind === 'hex' && form.text)).toEqual([
      '6c666b5f736b5f',
      '6C666B5F736B5F',
    ]);
    expect(forms.filter((form) => form.kind === 'escape').map((form) => form.kind === 'escape' && form.index)).toEqual([
      3, 6,
    ]);
  });

  it('four anchor bytes cover them all: four passes over a clean file, not one per form', () => {
    const needles = Needles.of(['lfk_sk_']);
    expect(needles.anchors.map((code) => String.fromCharCode(code)).sort()).toEqual(['5', '9', 'H', 'Z']);
    for (const form of needles.forms) {
      const text = form.kind === 'escape' ? '5' : form.text;
      expect(
        needles.anchors.some((code) => text.includes(String.fromCharCode(code))),
        JSON.stringify(form),
      ).toBe(true);
    }
  });

  it('any keyword, in any text, base64 (both alphabets) or hex encoded, is found (500 runs)', () => {
    // Five bytes at least: a shorter keyword has too few characters of its own at some alignment (forms.ts).
    const keyword = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-.'), minLength: 5, maxLength: 12 });
    fc.assert(
      fc.property(
        keyword,
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        fc.constantFrom('base64', 'base64url', 'hex'),
        (word, before, after, encoding) => {
          const needles = Needles.of([word]);
          const encoded = Buffer.from(`${before}${word}${after}`).toString(encoding);
          expect(needles.hits(textHaystack(encoded)).length).toBeGreaterThan(0);
          expect(needles.offsetsIn(Buffer.from(encoded)).length).toBeGreaterThan(0);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
  });

  it("escapes in either case and any mix, and forms wrapped across lines (indented, CRLF, a diff's +)", () => {
    const needles = Needles.of(['lfk_sk_']);
    const found = (text: string) => needles.hits(textHaystack(text)).map((hit) => text.slice(hit.start, hit.end));
    expect(found('x lfk%5fsk%5F y')).toContain('lfk%5fsk%5F');
    expect(found('x lfk\\u005Fsk_ y')).toContain('lfk\\u005Fsk_');
    expect(found('x \\x6cfk\\x5fsk\\x5F y')).toContain('\\x6cfk\\x5fsk\\x5F');
    expect(found('data bGZrX3\r\n    NrX rest')).toEqual(['bGZrX3\r\n    NrX']);
    expect(found('+AAAAbGZr\n+X3NrX')).toEqual(['bGZr\n+X3NrX']);
    expect(found('lfk%5 and bGZrX2NrX and 6c666b5f736b5e and H4s')).toEqual([]);
  });

  it('bytes that end inside a form may hold one (chunk edges), bytes without any do not', () => {
    const needles = Needles.of(['lfk_sk_']);
    expect(needles.mayHold(bytesHaystack(Buffer.from('tail bGZrX3')))).toBe(true);
    expect(needles.mayHold(bytesHaystack(Buffer.from('5f736b5f and the rest')))).toBe(true);
    expect(needles.mayHold(bytesHaystack(Buffer.from('nothing 5 or Z or 9 or H here matters, 59 Zebra H2O')))).toBe(
      false,
    );
  });
});
