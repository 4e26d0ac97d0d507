// Property tests of the git patch parser (scanner/sources/git-patch.ts): any bytes, cut anywhere,
// never make it throw; in a well-formed `git log -p -U0` stream, a key planted in an added line is
// found at its file, line, column and commit, however the stream is cut into chunks.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { loadRuleSet } from '../../rules/load.js';
import { LONG_LINE_BYTES, PatchParser } from '../../scanner/sources/git-patch.js';
import type { Finding } from '../../scanner/types.js';
import type { Detector } from '../../scanner/detect.js';
import { detectorFor } from '../../scanner/validators.js';
import { FUZZ_SEED } from './seed.js';

let detector: Detector;
beforeAll(async () => {
  detector = detectorFor(await loadRuleSet(undefined));
});

function parse(patch: Buffer, chunkSizes: number[]): { findings: Finding[]; warnings: string[] } {
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const parser = new PatchParser(detector, {
    maxFileSize: 0,
    onFragment: (f) => findings.push(...detector.detect(f)),
    onWarning: (w) => warnings.push(w),
  });
  let at = 0;
  for (let turn = 0; at < patch.length; turn++) {
    const size = chunkSizes[turn % chunkSizes.length]!;
    parser.push(patch.subarray(at, at + size));
    at += size;
  }
  parser.end();
  return { findings, warnings };
}

// Small chunks most of the time: cuts inside lines, keys and headers are what can go wrong.
const chunkSizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 5000 })), {
  minLength: 1,
  maxLength: 5,
});

// Lines a patch stream is made of, well-formed or not, plus noise.
const patchLine = fc.oneof(
  fc.constantFrom(
    'diff --git a/x b/x',
    'diff --cc m.txt',
    'diff --combined m.txt',
    '--- a/x',
    '+++ b/x',
    '+++ /dev/null',
    '+++ "b/q\\"\\303\\274"',
    '+++ "b/unterminated\\',
    'Binary files a/x and b/x differ',
    'GIT binary patch',
    '\\ No newline at end of file',
    '@@ -1 +1 @@',
    '@@@ -1,2 -1,2 +1,3 @@@',
    '@@ -0,0 +99999999999999999999 @@',
    '@@ broken',
    '@@@@ -1 +2 @@@@',
    '',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `+${text}`),
  fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `++${text}`),
  fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `-${text}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 10 }))
    .map(([sha, author]) => `\0${sha}\0${author}\0a@b.c\x002026-01-01T00:00:00+00:00`),
  fc.constant(`+key=${generateKey()}`),
);

describe('git patch parser properties', () => {
  it('arbitrary bytes, cut anywhere, never throw (1000 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), chunkSizes, (bytes, sizes) => {
        parse(Buffer.from(bytes), sizes);
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('arbitrary sequences of patch lines never throw, and findings always name a file and a line ≥ 0 (1000 runs)', () => {
    fc.assert(
      fc.property(fc.array(patchLine, { maxLength: 40 }), chunkSizes, (lines, sizes) => {
        const { findings } = parse(Buffer.from(lines.join('\n'), 'utf8'), sizes);
        for (const finding of findings) {
          expect(typeof finding.file).toBe('string');
          expect(finding.line).toBeGreaterThanOrEqual(0);
        }
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  // Filler that can never form or touch a key: lowercase letters and spaces.
  const filler = fc.string({ unit: fc.constantFrom('a', 'b', 'z', ' '), maxLength: 30 });
  const hunk = fc.record({
    start: fc.integer({ min: 1, max: 1_000_000 }),
    removed: fc.array(filler, { maxLength: 3 }),
    added: fc.array(filler, { minLength: 1, maxLength: 6 }),
  });

  it('a key planted in any added line is found at its file, line, column and commit, however cut (1000 runs)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{40}$/),
        fc.stringMatching(/^[a-z0-9_-]{1,12}(\/[a-z0-9_-]{1,12}){0,2}$/),
        fc.array(hunk, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(' ', '=', '"', ':'),
        chunkSizes,
        (sha, path, hunks, pickHunk, pickLine, separator, sizes) => {
          const key = generateKey();
          const target = pickHunk % hunks.length;
          const targetLine = pickLine % hunks[target]!.added.length;
          const lines = [
            `\0${sha}\0Ada\0ada@example.com\x002026-01-01T00:00:00+00:00`,
            '',
            `diff --git a/${path}.txt b/${path}.txt`,
            `--- a/${path}.txt`,
            `+++ b/${path}.txt`,
          ];
          let expected: { line: number; column: number } | undefined;
          hunks.forEach((h, index) => {
            lines.push(`@@ -${h.start},${h.removed.length} +${h.start},${h.added.length} @@`);
            for (const text of h.removed) lines.push(`-${text}`);
            h.added.forEach((text, lineIndex) => {
              if (index === target && lineIndex === targetLine) {
                lines.push(`+${text}${separator}${key}${separator}`);
                expected = { line: h.start + lineIndex, column: text.length + 2 };
              } else lines.push(`+${text}`);
            });
          });
          const { findings } = parse(Buffer.from(`${lines.join('\n')}\n`), sizes);
          expect(
            findings.map((f) => ({
              file: f.file,
              line: f.line,
              column: f.column,
              secret: f.secret,
              commit: f.commit?.commit,
            })),
          ).toEqual([{ file: `${path}.txt`, ...expected, secret: key, commit: sha }]);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('a key anywhere in an added line longer than LONG_LINE_BYTES (streamed in pieces) is found (25 runs: 1–2 MiB each)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: LONG_LINE_BYTES - 100, max: 2 * LONG_LINE_BYTES }),
        fc.nat(),
        fc.integer({ min: 1000, max: 300_000 }),
        (length, offset, chunk) => {
          const key = generateKey();
          const before = offset % length;
          const line = `${'a'.repeat(before)} ${key} ${'b'.repeat(length - before)}`;
          const patch = Buffer.from(
            `\0${'c'.repeat(40)}\0Ada\0ada@example.com\x002026-01-01T00:00:00+00:00\ndiff --git a/big.txt b/big.txt\n+++ b/big.txt\n@@ -0,0 +7 @@\n+${line}\n+after\n`,
          );
          const { findings } = parse(patch, [chunk]);
          expect(findings.map((f) => [f.file, f.line, f.column, f.secret])).toEqual([['big.txt', 7, before + 2, key]]);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 25 },
    );
  });
});
