// Property tests of the stream source (standard input, git and GitHub blobs, archive entries): the
// findings of a byte stream do not depend on how it is cut into chunks, a key planted in random
// binary bytes is found once at its byte place, and mutated archives read as streams never throw
// out of the scanner and always end.
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { createFinder } from '../../scanner/finder.js';
import { scanSource, type FilesResult } from '../../scanner/scan-files.js';
import { streamSource } from '../../scanner/sources/stdin-fragments.js';
import { emptyStats } from '../../scanner/types.js';
import { describeWithTools, envText, sh, write } from '../scanner/unpack-fixtures.js';
import { FUZZ_SEED } from './seed.js';

const finder = createFinder(loadBuiltinRuleSet());
const archives = { maxArchiveDepth: 4, maxArchiveBytes: 1 << 30 };
const SCAN_MS = 10_000;

/** `bytes` cut at the given points (taken modulo its length), as a stream's chunks. */
function* cutInto(bytes: Buffer, cuts: readonly number[]): Generator<Buffer> {
  const points = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const point of points) {
    if (point > from) yield bytes.subarray(from, point);
    from = Math.max(from, point);
  }
  if (from < bytes.length) yield bytes.subarray(from);
}

async function scanStreamed(bytes: Buffer, cuts: readonly number[]): Promise<FilesResult> {
  const result: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`scan of ${bytes.length} bytes did not end within ${SCAN_MS} ms`)),
        SCAN_MS,
      )),
  );
  try {
    await Promise.race([
      scanSource(streamSource(cutInto(bytes, cuts), 'input', { opensArchives: true }), finder, result, {
        maxFileSize: 0,
        archives,
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return result;
}

const places = (result: FilesResult) =>
  result.findings.map((f) => [f.file, f.line, f.column, f.secret, f.binary ?? false]);

it('a key in random binary bytes: found once, at its byte place, however the stream is cut', async () => {
  const key = generateKey();
  await fc.assert(
    fc.asyncProperty(
      // Bytes that cannot touch the key as letters or digits, so the key is the only match.
      fc
        .uint8Array({ minLength: 1, maxLength: 20_000 })
        .map((bytes) => Buffer.from(bytes.map((byte) => (/[0-9A-Za-z]/.test(String.fromCharCode(byte)) ? 0 : byte)))),
      fc.nat(),
      fc.array(fc.nat(), { maxLength: 8 }),
      async (noise, at, cuts) => {
        const offset = at % (noise.length + 1);
        const bytes = Buffer.concat([
          Buffer.from([0]),
          noise.subarray(0, offset),
          Buffer.from(key),
          noise.subarray(offset),
        ]);
        const before = bytes.subarray(0, offset + 1);
        const line = before.filter((byte) => byte === 0x0a).length + 1;
        const column = before.length - (before.lastIndexOf(0x0a) + 1) + 1;
        const result = await scanStreamed(bytes, cuts);
        expect(places(result)).toEqual([['input', line, column, key, true]]);
        expect(result.stats).toMatchObject({ files: 1, binary: 1, bytes: bytes.length });
      },
    ),
    { seed: FUZZ_SEED, numRuns: 200 },
  );
});

describeWithTools('fuzz: archives as streams', { timeout: 300_000 }, () => {
  const key = generateKey();
  const dir = mkdtempSync(join(tmpdir(), 'lfk-stream-fuzz-'));
  let samples: Record<string, Buffer> = {};

  beforeAll(() => {
    write(dir, { 'src/conf/prod.env': envText(key), 'src/readme.md': '# readme\n'.repeat(50) });
    const src = join(dir, 'src');
    sh(
      'tar czf ../s.tgz conf readme.md && tar cJf ../s.txz conf readme.md && zip -q -r ../s.zip conf readme.md && gzip -c conf/prod.env > ../s.gz',
      src,
    );
    sh('cp ../s.zip conf/inner.zip && tar cjf ../nested.tbz conf && rm conf/inner.zip', src);
    samples = Object.fromEntries(
      ['s.tgz', 's.txz', 's.zip', 's.gz', 'nested.tbz'].map((name) => [name, readFileSync(join(dir, name))]),
    );
  });

  it('an archive read as a stream gives the same findings however it is cut', async () => {
    const whole = new Map<string, unknown>();
    for (const [name, bytes] of Object.entries(samples)) whole.set(name, places(await scanStreamed(bytes, [])));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(samples)),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        async (name, cuts) => {
          const result = await scanStreamed(samples[name]!, cuts);
          expect(places(result)).toEqual(whole.get(name));
          expect(result.warnings).toEqual([]);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 150 },
    );
    expect(whole.get('nested.tbz')).toEqual([
      ['input!conf/inner.zip!conf/prod.env', 3, 18, key, false],
      ['input!conf/prod.env', 3, 18, key, false],
    ]);
  });

  it('mutated archives read as streams never throw out of the scanner and always end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(samples)),
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (name, flips, cutAt, cuts) => {
          const bytes = Buffer.from(samples[name]!);
          for (const flip of flips) bytes[flip.at % bytes.length] = flip.byte;
          const truncated = cutAt % 3 === 0 ? bytes.subarray(0, cutAt % bytes.length) : bytes;
          const result = await scanStreamed(truncated, cuts);
          for (const warning of result.warnings) expect(warning.startsWith('input')).toBe(true);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 400 },
    );
  });
});
