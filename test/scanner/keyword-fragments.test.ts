// A UTF-8 file that fits in one read is decoded only around its keywords. Whatever the bytes, the
// findings must be exactly those of decoding and scanning the whole file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../rules/load.js';
import type { Detector } from '../../scanner/detect.js';
import { keywordFragments } from '../../scanner/keyword-fragments.js';
import { FragmentSplitter, fileFragments } from '../../scanner/sources/file-fragments.js';
import type { Finding, Fragment } from '../../scanner/types.js';
import { detectorFor } from '../../scanner/validators.js';
import { badChecksum, testKey } from './keys.js';

const dir = mkdtempSync(join(tmpdir(), 'lfk-kwfrag-'));
const config = join(dir, 'allow.toml');
// A line allowlist, so that windows must hold whole lines for it to see what the whole text shows,
// and two rules whose matches reach hundreds of characters and several lines either side of their
// keyword, so that windows must hold the detector's whole regex window.
writeFileSync(
  config,
  [
    `[[allowlists]]\nregexTarget = "line"\nregexes = ['''EXAMPLE''']`,
    `[[rules]]\nid = "reach-forward"\nregex = '''far_[0-9]{4}[\\s\\S]{0,700}?END'''\nkeywords = ["far_"]`,
    `[[rules]]\nid = "reach-back"\nregex = '''BEGIN[\\s\\S]{0,700}?far_[0-9]{4}'''\nkeywords = ["far_"]`,
  ].join('\n'),
);
const detectors = {
  plain: detectorFor(await loadRuleSet(config)),
  withInvalid: detectorFor(await loadRuleSet(config), { reportInvalid: true }),
};

function wholeFile(detector: Detector, bytes: Buffer): Finding[] {
  return detector.detect({ text: new TextDecoder('utf-8').decode(bytes), file: 'f' });
}
function windowed(detector: Detector, bytes: Buffer): { findings: Finding[]; fragments: Fragment[] } {
  const offsets = detector.keywordOffsets(bytes);
  if (!offsets) throw new Error('expected keyword offsets');
  const fragments = keywordFragments(bytes, offsets, detector.maxKeywordBytes, 'f');
  return { findings: fragments.flatMap((fragment) => detector.detect(fragment)), fragments };
}

/** A small seeded generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const KEYS = [testKey('kwfrag-1'), testKey('kwfrag-2'), testKey('kwfrag-3')];
const PIECES: Array<(next: () => number) => Buffer> = [
  () => Buffer.from('const value = compute(alpha, beta); '),
  () => Buffer.from('\n'),
  () => Buffer.from('\r\n'),
  () => Buffer.from('é漢字 😀 '),
  () => Buffer.from([0xff, 0xc3, 0x20, 0xe2, 0x82]),
  () => Buffer.from('\ufeff'),
  (next) => Buffer.from(KEYS[Math.floor(next() * KEYS.length)]!),
  (next) => Buffer.from(`"${badChecksum(KEYS[Math.floor(next() * KEYS.length)]!)}"`),
  () => Buffer.from(' // lfk:allow '),
  () => Buffer.from('EXAMPLE='),
  () => Buffer.from('lfk_sk_'),
  () => Buffer.from('xlfk_sk_'),
  (next) => Buffer.alloc(Math.floor(next() * 3000), 'a'),
  (next) => Buffer.from('ü'.repeat(Math.floor(next() * 800))),
  () => Buffer.from('far_1234'),
  () => Buffer.from(' BEGIN '),
  () => Buffer.from(' END '),
];

function randomFile(seed: number): Buffer {
  const next = random(seed);
  const parts: Buffer[] = next() < 0.2 ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
  const count = 1 + Math.floor(next() * 80);
  for (let i = 0; i < count; i++) parts.push(PIECES[Math.floor(next() * PIECES.length)]!(next));
  return Buffer.concat(parts);
}

describe('keyword fragments: the same findings as the whole file', () => {
  it('on 250 random files of code, CRLF, multi-byte and invalid bytes, BOMs, long lines, keys and decoys', () => {
    let compared = 0;
    const rules = new Set<string>();
    for (let seed = 1; seed <= 250; seed++) {
      const bytes = randomFile(seed);
      for (const detector of Object.values(detectors)) {
        const expected = wholeFile(detector, bytes);
        expect({ seed, findings: windowed(detector, bytes).findings }).toEqual({ seed, findings: expected });
        compared += expected.length;
        for (const finding of expected) rules.add(finding.ruleId);
      }
    }
    // The generator must actually produce findings of every rule for the comparison to mean something.
    expect(compared).toBeGreaterThan(250);
    expect([...rules].sort()).toEqual(['reach-back', 'reach-forward', 'trustleads-api-key']);
  });

  it('decodes a few kilobytes around a key, not the whole file, with its exact line and column', () => {
    const key = KEYS[0]!;
    const filler = 'let ünïcode = "x";\r\n'.repeat(20_000);
    const bytes = Buffer.from(`${filler}const k = "${key}";\n${filler}`);
    const { findings, fragments } = windowed(detectors.plain, bytes);
    expect(fragments).toHaveLength(1);
    expect(fragments[0]!.text.length).toBeLessThan(4000);
    expect(findings.map((f) => [f.secret, f.line, f.column])).toEqual([[key, 20_001, 12]]);
    expect(findings).toEqual(wholeFile(detectors.plain, bytes));
  });

  it("keeps a U+FEFF that starts a line inside the file (only the file's own byte-order mark is dropped)", () => {
    const key = KEYS[2]!;
    // The line is longer than the span before the key, so the window starts where the line does.
    const bytes = Buffer.from(`${'x\n'.repeat(1000)}\ufeff${'y'.repeat(2000)} key=${key}\n`);
    const { findings, fragments } = windowed(detectors.plain, bytes);
    expect(fragments.map((f) => f.startLine)).toEqual([1001]);
    expect(findings.map((f) => [f.line, f.column])).toEqual([[1001, 2007]]);
    expect(findings).toEqual(wholeFile(detectors.plain, bytes));
  });

  it('a file bigger than one read: the same findings, read in chunks, with keywords across chunk edges', () => {
    const path = join(dir, 'chunked.txt');
    let compared = 0;
    for (let seed = 1000; seed < 1080; seed++) {
      const bytes = Buffer.concat([randomFile(seed), randomFile(seed + 1), randomFile(seed + 2)]);
      writeFileSync(path, bytes);
      for (const chunkBytes of [1024, 1500]) {
        for (const detector of Object.values(detectors)) {
          const fragments = [...fileFragments({ path, file: 'f' }, detector, { maxFileSize: 0, chunkBytes })];
          const expected = wholeFile(detector, bytes);
          expect({ seed, chunkBytes, findings: fragments.flatMap((fragment) => detector.detect(fragment)) }).toEqual({
            seed,
            chunkBytes,
            findings: expected,
          });
          compared += expected.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    // A key whose keyword straddles the edge between the first and second read.
    const key = KEYS[0]!;
    writeFileSync(path, `${'y'.repeat(1019)} ${key}\n${'z\n'.repeat(2000)}`);
    const fragments = [...fileFragments({ path, file: 'f' }, detectors.plain, { maxFileSize: 0, chunkBytes: 1024 })];
    expect(fragments.flatMap((f) => detectors.plain.detect(f)).map((f) => [f.secret, f.line, f.column])).toEqual([
      [key, 1, 1021],
    ]);
    expect(fragments.reduce((total, f) => total + f.text.length, 0)).toBeLessThan(3000);
  });

  it('a big file with a great many keywords, or one window over 4 MiB, is streamed whole: same findings', () => {
    const key = KEYS[1]!;
    const path = join(dir, 'dense.txt');
    const cases = [
      { lines: 'lfk_sk_x\n'.repeat(100_001), chunkBytes: 65_536 },
      { lines: `lfk_sk_x ${'a'.repeat(1000)}\n`.repeat(5000), chunkBytes: undefined },
    ];
    for (const { lines, chunkBytes } of cases) {
      const bytes = Buffer.from(`${lines}key: ${key}\n`);
      writeFileSync(path, bytes);
      const fragments = [
        ...fileFragments({ path, file: 'f' }, detectors.plain, { maxFileSize: 0, ...(chunkBytes && { chunkBytes }) }),
      ];
      // Overlapping fragments of the streaming way, where windows would have made a single one.
      expect(fragments.length).toBeGreaterThan(1);
      expect(fragments.flatMap((f) => detectors.plain.detect(f))).toEqual(wholeFile(detectors.plain, bytes));
    }
  });

  it('holds matches that reach 400 characters and several lines either side of their keyword', () => {
    const lines = (count: number) => 'some ordinary line of source code, sixty characters long..\n'.repeat(count);
    const bytes = Buffer.from(`${lines(100)}BEGIN\n${lines(7)}far_1234\n${lines(7)}END\n${lines(100)}`);
    const { findings } = windowed(detectors.plain, bytes);
    expect(findings.map((f) => [f.ruleId, f.line, f.endLine])).toEqual([
      ['reach-back', 101, 109],
      ['reach-forward', 109, 117],
    ]);
    expect(findings).toEqual(wholeFile(detectors.plain, bytes));
  });

  it('keeps a long line whole, so lfk:allow at its far end still applies', () => {
    const [first, second] = KEYS as [string, string];
    const line = `${first} ${'x'.repeat(100_000)} ${second} // lfk:allow`;
    const bytes = Buffer.from(`a\n${line}\nfree ${first}\n`);
    const { findings } = windowed(detectors.plain, bytes);
    expect(findings.map((f) => [f.secret, f.line, f.column])).toEqual([[first, 3, 6]]);
    expect(findings).toEqual(wholeFile(detectors.plain, bytes));
  });

  it('a file read from disk goes the same way, and a file without keywords yields nothing to decode', () => {
    const key = KEYS[1]!;
    const withKey = join(dir, 'with-key.txt');
    const without = join(dir, 'without.txt');
    writeFileSync(withKey, `${'filler line\n'.repeat(5000)}token: ${key}\n`);
    writeFileSync(without, 'filler line\n'.repeat(5000));
    const fragmentsOf = (path: string) => [...fileFragments({ path, file: path }, detectors.plain, { maxFileSize: 0 })];
    const fragments = fragmentsOf(withKey);
    // The window starts at the line holding the byte 3 × (512 + 1 + 7) before the key: (60,007 − 1,560) / 12 bytes a line.
    expect(fragments.map((f) => f.startLine)).toEqual([4871]);
    expect(fragments.flatMap((f) => detectors.plain.detect(f)).map((f) => [f.line, f.column])).toEqual([[5001, 8]]);
    expect(fragmentsOf(without)).toEqual([]);
  });

  it('case-insensitive rules cannot be found in bytes: the whole file is decoded', async () => {
    const file = join(dir, 'nocase.toml');
    writeFileSync(file, `[[rules]]\nid = "any-case"\nregex = '''(?i)acme_[a-f0-9]{8}'''\nkeywords = ["acme_"]\n`);
    const detector = detectorFor(await loadRuleSet(file));
    expect(detector.keywordOffsets(Buffer.from('ACME_DEADBEEF'))).toBeUndefined();
    const path = join(dir, 'upper.txt');
    writeFileSync(path, 'x\nkey = ACME_DEADBEEF\n');
    const fragments = [...fileFragments({ path, file: 'upper.txt' }, detector, { maxFileSize: 0 })];
    expect(fragments.flatMap((f) => detector.detect(f)).map((f) => [f.secret, f.line, f.column])).toEqual([
      ['ACME_DEADBEEF', 2, 7],
    ]);
  });
});

// Rules anchored to the text's edges (`^`, `$`, `\A`, `\z` without multi-line) or to word edges
// (`\b`), on every way a file can be cut: keyword windows from memory and from disk, and the
// streaming way (overlapping fragments of a decoder). A fragment's edge inside the file is no
// edge of the text, so a finding the whole text does not have must never come out of a cut.
const anchorsConfig = join(dir, 'anchors.toml');
writeFileSync(
  anchorsConfig,
  [
    '[extend]\nuseDefault = false',
    // Ordinary key-shaped rules: bounded matches around their keyword. Windows promise the very same findings.
    `[[rules]]\nid = "key-at-start"\nregex = '''^far_[0-9]{4}'''\nkeywords = ["far_"]`,
    `[[rules]]\nid = "key-at-end"\nregex = '''far_[0-9]{4}$'''\nkeywords = ["far_"]`,
    `[[rules]]\nid = "key-at-text-start"\nregex = '''\\Afar_([0-9]{4})'''\nsecretGroup = 1\nkeywords = ["far_"]`,
    `[[rules]]\nid = "key-at-text-end"\nregex = '''(far_[0-9]{4})\\z'''\nsecretGroup = 1\nkeywords = ["far_"]`,
    `[[rules]]\nid = "key-as-word"\nregex = '''\\bfar_[0-9]{4}\\b'''\nkeywords = ["far_"]`,
    `[[rules]]\nid = "key-alone-on-line"\nregex = '''(?m)^far_[0-9]{4}$'''\nkeywords = ["far_"]`,
    // Matches as long as a line of q (thousands of characters, over a read and over an overlap):
    // a cut can only lose them, never add one.
    `[[rules]]\nid = "run-at-end"\nregex = '''(q+)+$'''\nkeywords = ["q"]`,
    `[[rules]]\nid = "run-at-text-end"\nregex = '''q+\\z'''\nkeywords = ["q"]`,
    `[[rules]]\nid = "run-at-start"\nregex = '''^(q+)'''\nsecretGroup = 1\nkeywords = ["q"]`,
    `[[rules]]\nid = "run-as-word"\nregex = '''\\b(q)q*\\b'''\nsecretGroup = 1\nkeywords = ["q"]`,
  ].join('\n'),
);
// A case-insensitive rule (that never matches here) sends every file the streaming way.
const streamingConfig = join(dir, 'anchors-streaming.toml');
writeFileSync(
  streamingConfig,
  `[extend]\npath = "anchors.toml"\n[[rules]]\nid = "nocase"\nregex = '''(?i)zz_never_[0-9]{9}'''\nkeywords = ["zz_never_"]\n`,
);
const anchored = {
  bytes: detectorFor(await loadRuleSet(anchorsConfig)),
  streaming: detectorFor(await loadRuleSet(streamingConfig)),
};
const ORDINARY = /^key-/;

/**
 * A file of short lines, long lines (thousands of characters) and keys at its very start and end,
 * as a short recipe (`q*9000` is a run of 9000 q) so that a failure prints readably.
 */
const anchoredRecipe = fc.record({
  start: fc.constantFrom('', 'far_1234', 'qqqq', 'far_12345', '\n'),
  body: fc.array(
    fc.oneof(
      fc.constantFrom(
        'far_1234',
        'far_5678 ',
        ' far_9012\n',
        'xfar_1234',
        '\n',
        '\r\n',
        ' ',
        'é漢字😀',
        'q',
        ' q ',
        '\ufeff',
        'lorem ipsum ',
        '\nfar_4242\n',
      ),
      fc.integer({ min: 1, max: 12_000 }).map((n) => `q*${n}`),
      fc.integer({ min: 1, max: 6_000 }).map((n) => `ü*${n}`),
      fc.integer({ min: 1, max: 6_000 }).map((n) => `b*${n}`),
    ),
    { maxLength: 30 },
  ),
  end: fc.constantFrom('', 'far_1234', 'qqqq', 'far_1234\n', 'q!', ' far_4321'),
  invalid: fc.boolean(),
});
function anchoredBytes({
  start,
  body,
  end,
  invalid,
}: {
  start: string;
  body: string[];
  end: string;
  invalid: boolean;
}): Buffer {
  const text = body
    .map((piece) => (/^.\*\d+$/u.test(piece) ? piece[0]!.repeat(Number(piece.slice(2))) : piece))
    .join('');
  return Buffer.concat([
    Buffer.from(start + text),
    invalid ? Buffer.from([0xff, 0xc3]) : Buffer.alloc(0),
    Buffer.from(end),
  ]);
}

/** The detector over a splitter fed `bytes` in pieces of the given sizes (the way of standard input). */
function splitterFindings(detector: Detector, bytes: Buffer, pieces: number[]): Finding[] {
  const splitter = new FragmentSplitter('utf-8', 'f');
  const findings: Finding[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = pieces[i % pieces.length]!;
    const fragment = splitter.push(bytes.subarray(at, at + size));
    at += size;
    if (fragment) findings.push(...detector.detect(fragment));
  }
  const last = splitter.push(null);
  if (last) findings.push(...detector.detect(last));
  return findings;
}

const where = (f: Finding) => `${f.ruleId} ${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.fingerprint}`;

/** Each way's findings are among the whole text's, and exactly those for ordinary key rules. */
function expectWithinWhole(ways: Record<string, Finding[]>, whole: Finding[]): void {
  const allowed = new Set(whole.map(where));
  for (const [way, findings] of Object.entries(ways)) {
    expect({ way, extra: findings.map(where).filter((found) => !allowed.has(found)) }).toEqual({ way, extra: [] });
    const ordinary = (list: Finding[]) => list.filter((f) => ORDINARY.test(f.ruleId));
    expect({ way, findings: ordinary(findings) }).toEqual({ way, findings: ordinary(whole) });
  }
}

describe('cut text: anchors and long lines never give a finding the whole text lacks', () => {
  it('on 120 random files with anchored rules and lines longer than a read, a window and an overlap (seeded)', () => {
    const path = join(dir, 'anchored.txt');
    const seen = { whole: new Set<string>(), cut: 0 };
    fc.assert(
      fc.property(
        anchoredRecipe,
        fc.constantFrom(1024, 1500, 4096),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 5 }),
        (recipe, chunkBytes, pieces) => {
          const bytes = anchoredBytes(recipe);
          writeFileSync(path, bytes);
          const whole = wholeFile(anchored.bytes, bytes);
          const read = (detector: Detector) => {
            const fragments = [...fileFragments({ path, file: 'f' }, detector, { maxFileSize: 0, chunkBytes })];
            if (detector === anchored.streaming && fragments.length > 1) seen.cut++;
            return fragments.flatMap((fragment) => detector.detect(fragment));
          };
          const ways: Record<string, Finding[]> = {
            'keyword windows in memory': windowed(anchored.bytes, bytes).findings,
            'keyword windows from disk': read(anchored.bytes),
            'streamed from disk': read(anchored.streaming),
            'streamed in pieces': splitterFindings(anchored.streaming, bytes, pieces),
          };
          expectWithinWhole(ways, whole);
          // Keyword windows hold every run of q whole (each q is a keyword): the same findings there.
          expect(ways['keyword windows in memory']).toEqual(whole);
          expect(ways['keyword windows from disk']).toEqual(whole);
          for (const finding of whole) seen.whole.add(finding.ruleId);
        },
      ),
      { seed: 20_260_501, numRuns: 120 },
    );
    // Every rule must have been found somewhere for the comparison to mean something.
    expect([...seen.whole].sort()).toEqual(
      [
        'key-alone-on-line',
        'key-as-word',
        'key-at-end',
        'key-at-start',
        'key-at-text-end',
        'key-at-text-start',
        'run-as-word',
        'run-at-end',
        'run-at-start',
        'run-at-text-end',
      ].sort(),
    );
    // And many files must have been streamed in several fragments, for the cuts to be tested.
    expect(seen.cut).toBeGreaterThan(30);
  });

  it('a line longer than a 1 MiB read, cut mid-line: no end-anchored match at the cut, the real one at the end', () => {
    // Over the read size, the line limit and the keyword count: streamed whole, in 1 MiB reads.
    const path = join(dir, 'long-line.txt');
    const bytes = Buffer.from(`${'q'.repeat((1 << 20) + 5000)}! far_1234`);
    writeFileSync(path, bytes);
    const whole = wholeFile(anchored.bytes, bytes);
    expect(whole.filter((f) => ORDINARY.test(f.ruleId)).map((f) => [f.ruleId, f.column])).toEqual([
      ['key-at-end', (1 << 20) + 5003],
      ['key-at-text-end', (1 << 20) + 5003],
      ['key-as-word', (1 << 20) + 5003],
    ]);
    // A line over 1 MiB and over 100,000 keywords: even case-sensitive rules take the streaming way.
    const fragments = [...fileFragments({ path, file: 'f' }, anchored.bytes, { maxFileSize: 0 })];
    expect(fragments.map((f) => [f.cutBefore, f.cutAfter])).toEqual([
      [false, true],
      [true, false],
    ]);
    const ways = { streamed: fragments.flatMap((fragment) => anchored.bytes.detect(fragment)) };
    expectWithinWhole(ways, whole);
  });
});
