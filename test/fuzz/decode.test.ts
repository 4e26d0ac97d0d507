// Property tests of decoding (docs/scanner.md#encoded-text, scanner/decode/): random and
// needle-rich text, mutated encodings, broken and bomb gzip never make a source throw or run long,
// and a key planted in any encoding, wrapped at any width, embedded anywhere, is found exactly once
// at its encoded run, in a file, on standard input in pieces, and in a git patch cut into chunks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKey, hasKeyShape } from '../../platform/key-format.js';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { DECODE_BUDGET } from '../../scanner/decode/decode-stage.js';
import { createFinder } from '../../scanner/finder.js';
import { scanStream } from '../../scanner/scan.js';
import { scanFiles } from '../../scanner/scan-files.js';
import { PatchParser } from '../../scanner/sources/git-patch.js';
import type { Finding } from '../../scanner/types.js';
import { encodedCases, placeOf, wrapLines } from '../scanner/encoded-cases.js';
import { FUZZ_SEED } from './seed.js';

const ruleSet = loadBuiltinRuleSet();
const finder = createFinder(ruleSet);
const dir = mkdtempSync(join(tmpdir(), 'lfk-fuzz-decode-'));
let written = 0;

function inFile(text: string | Uint8Array) {
  const path = join(dir, `${written++}.txt`);
  writeFileSync(path, text);
  return scanFiles([{ path, file: 'f.txt' }], finder, { maxFileSize: 0 });
}

/** Everything the decode stage gives for a text, and how long it took. */
function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  return { value: run(), ms: performance.now() - started };
}

// Pieces that are, or nearly are, what the search looks for: base64 of lfk_sk_ at each alignment,
// its hex, its escapes, the gzip header, wraps, padding, and plain base64 characters.
const needleRich = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'bGZrX3NrX',
        'xma19za1',
        'sZmtfc2tf',
        'bGZr',
        'X3NrX',
        'H4sI',
        'H4sIAAAAAAAA',
        '6c666b5f736b5f',
        '6C666B5F736B5F',
        'lfk%5Fsk%5F',
        'lfk\\x5fsk\\x5f',
        'lfk\\u005Fsk\\u005f',
        '%5',
        '\\u00',
        '5f',
        'Z',
        '9',
        '\n',
        '\r\n',
        '\n    ',
        '=',
        '==',
        '-',
        '_',
        'lfk_sk_',
      ),
      fc.string({
        unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
        maxLength: 40,
      }),
      fc.string({ unit: 'binary', maxLength: 10 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('decoding never throws or runs away', () => {
  it('random text, random bytes and needle-rich text: no error, quick, bounded (2000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), needleRich),
        fc.uint8Array({ maxLength: 2000 }),
        async (text, bytes) => {
          const warnings: string[] = [];
          const { value: findings, ms } = timed(() => finder.findings({ text, file: 'f' }, warnings));
          expect(ms).toBeLessThan(1000);
          for (const finding of findings) expect(hasKeyShape(finding.secret)).toBe(true);
          finder.encodedOffsets(Buffer.from(bytes));
          finder.encodedMayMatch(Buffer.from(bytes));
          await inFile(bytes);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 2000 },
    );
  });

  it('mutated encodings of real keys: no error, every finding a key shape (500 runs)', async () => {
    const samples = encodedCases();
    const mutation = fc.record({
      at: fc.nat(),
      op: fc.constantFrom('insert', 'delete', 'replace'),
      char: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: samples.length - 1 }),
        fc.array(mutation, { maxLength: 8 }),
        async (index, mutations) => {
          let text = samples[index]!.text;
          for (const { at, op, char } of mutations) {
            const where = at % (text.length + 1);
            text =
              text.slice(0, where) + (op === 'delete' ? '' : char) + text.slice(op === 'insert' ? where : where + 1);
          }
          const { value, ms } = timed(() => finder.findings({ text, file: 'f' }, []));
          expect(ms).toBeLessThan(1000);
          for (const finding of value) expect(hasKeyShape(finding.secret)).toBe(true);
          for (const finding of (await inFile(text)).findings) expect(hasKeyShape(finding.secret)).toBe(true);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
  });

  it('gzip cut anywhere, with bytes flipped, or a bomb: no error, output within the budget (200 runs)', () => {
    const key = generateKey();
    const gzipped = gzipSync(
      `{"token": "${key}", "n": [${Array.from({ length: 500 }, (_, i) => (i * 7919) % 10007).join(',')}]}`,
    );
    const bombs = [1, 8, 40].map((mib) => gzipSync(Buffer.alloc(mib << 20)));
    fc.assert(
      fc.property(
        fc.nat({ max: gzipped.length }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }),
        fc.nat({ max: bombs.length - 1 }),
        (cut, flips, bomb) => {
          const broken = Buffer.from(gzipped.subarray(0, cut));
          for (const [at, byte] of flips) if (broken.length > 0) broken[at % broken.length] = byte;
          const text = `a: ${broken.toString('base64')}\nb: ${bombs[bomb]!.toString('base64')}\n`;
          const warnings: string[] = [];
          const { value, ms } = timed(() => finder.findings({ text, file: 'f' }, warnings));
          expect(ms).toBeLessThan(3000);
          for (const finding of value) expect(finding.secret).toBe(key);
          expect(warnings.length).toBeLessThanOrEqual(2);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 200 },
    );
  });

  it('nested gzip inside gzip inside base64 stays within the decoded-text budget', () => {
    // Each layer holds many base64 gzip members of 1 MiB of zeros: without a budget this multiplies.
    const inner = gzipSync(Buffer.alloc(1 << 20)).toString('base64');
    const middle = gzipSync(Array.from({ length: 40 }, () => `x ${inner}\n`).join('')).toString('base64');
    const warnings: string[] = [];
    const deep = createFinder(ruleSet, { maxDecodeDepth: 10 });
    const { ms } = timed(() => deep.findings({ text: `top ${middle}\n`, file: 'nest.txt' }, warnings));
    expect(ms).toBeLessThan(10_000);
    expect(
      warnings.some(
        (warning) =>
          warning.includes(`more than ${DECODE_BUDGET} characters of decoded text`) ||
          warning.includes('decompresses to more than'),
      ),
    ).toBe(true);
  });
});

// Filler that cannot join an encoded run: words of lowercase letters, always with a space.
const words = fc
  .array(fc.string({ unit: fc.constantFrom(...'abcdefghij'), minLength: 1, maxLength: 8 }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((list) => `${list.join(' ')} .`);
const lines = fc.array(words, { maxLength: 5 }).map((list) => list.map((line) => `${line}\n`).join(''));

interface Planted {
  text: string;
  key: string;
  at: number;
  decoded: string[];
}

/** A key in one of the encodings, wrapped or not, with text around it, and where its run starts. */
const planted = fc
  .record({
    style: fc.constantFrom('base64', 'base64url', 'hex', 'HEX', 'percent', 'x-escape', 'u-escape', 'gzip'),
    before: words,
    after: words,
    wrap: fc.option(fc.integer({ min: 16, max: 120 }), { nil: undefined }),
    indent: fc.constantFrom('', '  ', '\t'),
    crlf: fc.boolean(),
    head: lines,
    tail: lines,
  })
  .map(({ style, before, after, wrap, indent, crlf, head, tail }): Planted => {
    const key = generateKey();
    const inner = `${before} ${key} ${after}`;
    let encoded: string;
    let decoded = [
      style === 'percent'
        ? 'percent'
        : style.endsWith('escape')
          ? 'escape'
          : style.toLowerCase().startsWith('hex')
            ? 'hex'
            : 'base64',
    ];
    if (style === 'base64') encoded = Buffer.from(inner).toString('base64');
    else if (style === 'base64url') encoded = Buffer.from(inner).toString('base64url');
    else if (style === 'hex') encoded = Buffer.from(inner).toString('hex');
    else if (style === 'HEX') encoded = Buffer.from(inner).toString('hex').toUpperCase();
    else if (style === 'percent') encoded = key.replaceAll('_', '%5F');
    else if (style === 'x-escape') encoded = key.replaceAll('_', '\\x5f');
    else if (style === 'u-escape') encoded = key.replaceAll('_', '\\u005F');
    else {
      encoded = gzipSync(inner).toString('base64');
      decoded = ['base64', 'gzip'];
    }
    // Escapes are never wrapped; the others at any width, indented alike.
    const wrappable = !['percent', 'x-escape', 'u-escape'].includes(style);
    const eol = crlf ? '\r\n' : '\n';
    const body = wrap && wrappable ? wrapLines(encoded, wrap).replaceAll('\n', `${eol}${indent}`) : encoded;
    const lead = `${head.replaceAll('\n', eol)}value = "${wrap && wrappable ? `${eol}${indent}` : ''}`;
    return { text: `${lead}${body}"${eol}${tail.replaceAll('\n', eol)}`, key, at: lead.length, decoded };
  });

function expectOnce(findings: readonly Finding[], sample: Planted, file: string): void {
  expect(findings).toHaveLength(1);
  // A CRLF line ends at its LF: the CR does not move the next line's columns.
  expect(findings[0]).toMatchObject({
    file,
    ...placeOf(sample.text, sample.at),
    secret: sample.key,
    decoded: sample.decoded,
  });
}

function patchOf(text: string): Buffer {
  const added = text.split('\n');
  if (added.at(-1) === '') added.pop();
  return Buffer.from(
    `\0${'a'.repeat(40)}\0Ada\0ada@example.com\x002026-11-27T10:00:00+00:00\ndiff --git a/f.txt b/f.txt\n--- /dev/null\n+++ b/f.txt\n@@ -0,0 +1,${added.length} @@\n${added.map((line) => `+${line}\n`).join('')}`,
  );
}

describe('a planted encoded key is found exactly once', () => {
  it('in a fragment, a file, standard input in pieces and a git patch in chunks (300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(planted, fc.integer({ min: 1, max: 70_000 }), async (sample, piece) => {
        expectOnce(finder.findings({ text: sample.text, file: 'f.txt' }, []), sample, 'f.txt');
        expectOnce((await inFile(sample.text)).findings, sample, 'f.txt');
        async function* pieces() {
          const bytes = Buffer.from(sample.text);
          for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, at + piece);
        }
        expectOnce((await scanStream(pieces(), { ruleSet, reportInvalid: false })).findings, sample, '-');
        const findings: Finding[] = [];
        const parser = new PatchParser(finder, {
          maxFileSize: 0,
          onFragment: (f) => findings.push(...finder.detect(f)),
          onEncoded: (f) => findings.push(...finder.decodedFindings(f, [])),
        });
        const patch = patchOf(sample.text);
        for (let at = 0; at < patch.length; at += piece) parser.push(patch.subarray(at, at + piece));
        parser.end();
        // Git's output comes in 64 KiB pieces; a wrapped run split by smaller ones may start later.
        if (piece >= 64 << 10) expectOnce(findings, sample, 'f.txt');
        else expect(findings.map((finding) => finding.secret)).toEqual([sample.key]);
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
  });
});
