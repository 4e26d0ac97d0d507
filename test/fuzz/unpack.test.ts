// Property tests of the decoders and archive readers (scanner/unpack/): random bytes behind every
// magic number, and real archives (built by the real tools) with bytes flipped, cut, inserted or
// dropped, never make the walk throw and always let it end within a time bound; a key planted in
// a real archive is found however its entries are cut into chunks.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { scanFiles } from '../../scanner/scan-files.js';
import { unpack } from '../../scanner/unpack/unpack.js';
import { createFinder } from '../../scanner/finder.js';
import { describeWithTools, envText, sh, write } from '../scanner/unpack-fixtures.js';
import { FUZZ_SEED } from './seed.js';

const MAGICS = {
  gzip: [0x1f, 0x8b, 0x08],
  bzip2: [...Buffer.from('BZh9')],
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
  zip: [0x50, 0x4b, 0x03, 0x04],
  zipEmpty: [0x50, 0x4b, 0x05, 0x06],
};
/** Each walk must end well within this (the inputs are at most a few kilobytes). */
const WALK_MS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'lfk-unpack-fuzz-'));
let samples: Record<string, Buffer> = {};
const key = generateKey();

/** Walks `bytes` as a top-level file to the end, reading (some chunks of) every leaf; the warnings it gave. */
async function walk(
  bytes: Buffer,
  name = 'input',
  chunksPerLeaf = Infinity,
): Promise<{ warnings: string[]; leaves: number }> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const warnings: string[] = [];
  let leaves = 0;
  let timer: NodeJS.Timeout | undefined;
  const done = (async () => {
    for await (const leaf of unpack({ path, file: name }, {}, warnings)) {
      leaves++;
      // A reader may stop early (the scanner does after a binary sniff): the walk must go on.
      let read = 0;
      for await (const chunk of leaf.chunks) {
        expect(Buffer.isBuffer(chunk)).toBe(true);
        if (++read >= chunksPerLeaf) break;
      }
    }
  })();
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`walk of ${bytes.length} bytes did not end within ${WALK_MS} ms`)),
        WALK_MS,
      )),
  );
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
  for (const warning of warnings) expect(warning.startsWith(`${name}`)).toBe(true);
  return { warnings, leaves };
}

describeWithTools('fuzz: decoders and archive readers', { timeout: 300_000 }, () => {
  beforeAll(() => {
    write(dir, { 'src/conf/prod.env': envText(key), 'src/readme.md': '# readme\n'.repeat(50) });
    const src = join(dir, 'src');
    sh('tar cf ../s.tar conf readme.md && tar czf ../s.tgz conf readme.md && tar cjf ../s.tbz conf readme.md', src);
    sh(
      'tar cJf ../s.txz conf readme.md && tar --zstd -cf ../s.tzst conf readme.md && zip -q -r ../s.zip conf readme.md',
      src,
    );
    sh(
      'gzip -c conf/prod.env > ../s.gz && bzip2 -c conf/prod.env > ../s.bz2 && xz -c conf/prod.env > ../s.xz && zstd -q -c conf/prod.env > ../s.zst',
      src,
    );
    sh('cp ../s.zip conf/inner.zip && tar czf ../nested.tgz conf && rm conf/inner.zip', src);
    samples = Object.fromEntries(
      ['s.tar', 's.tgz', 's.tbz', 's.txz', 's.tzst', 's.zip', 's.gz', 's.bz2', 's.xz', 's.zst', 'nested.tgz'].map(
        (name) => [name, readFileSync(join(dir, name))],
      ),
    );
  });

  it('random bytes behind each magic number never throw and always end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.values(MAGICS)),
        fc.uint8Array({ maxLength: 4096 }),
        async (magic, rest) => {
          await walk(Buffer.concat([Buffer.from(magic), rest]));
        },
      ),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
  });

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
    fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 512 }) }),
  );

  type Change = { kind: string; at: number; byte?: number; bytes?: Uint8Array; length?: number };
  function mutate(bytes: Buffer, changes: Change[]): Buffer {
    let out = Buffer.from(bytes);
    for (const change of changes) {
      const at = out.length === 0 ? 0 : change.at % out.length;
      if (change.kind === 'flip') out[at] = change.byte!;
      else if (change.kind === 'cut') out = out.subarray(0, at);
      else if (change.kind === 'insert')
        out = Buffer.concat([out.subarray(0, at), Buffer.from(change.bytes!), out.subarray(at)]);
      else out = Buffer.concat([out.subarray(0, at), out.subarray(at + change.length!)]);
    }
    return out;
  }

  it('real archives, mutated, never throw and always end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(samples)),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(1, 2, Infinity),
        async (name, changes, chunksPerLeaf) => {
          await walk(mutate(samples[name]!, changes), name, chunksPerLeaf);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
  });

  it('unmutated, every archive gives its key, through the scanner', async () => {
    const detector = createFinder(loadBuiltinRuleSet());
    for (const [name, bytes] of Object.entries(samples)) {
      const path = join(dir, `scan-${name}`);
      writeFileSync(path, bytes);
      const result = await scanFiles([{ path, file: name }], detector, {
        maxFileSize: 0,
        archives: { maxArchiveDepth: 4, maxArchiveBytes: 1 << 30 },
      });
      expect(result.warnings, name).toEqual([]);
      // nested.tgz holds the key twice: in conf/prod.env and in conf/inner.zip.
      expect(
        result.findings.map((finding) => finding.secret),
        name,
      ).toEqual(name === 'nested.tgz' ? [key, key] : [key]);
    }
  });
});
