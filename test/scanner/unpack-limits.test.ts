// Archive bombs and broken archives (docs/scanner.md#limits-and-warnings): each gets a warning
// naming the file and the limit hit, the scan goes on to the next file, and the peak memory of the
// `lfk scan` process (GNU time's maximum RSS) stays bounded. Inputs are made here from zero streams.
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { beforeAll, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import {
  describeWithTools,
  envText,
  folder,
  KEY_COLUMN,
  KEY_LINE,
  scanJson,
  sh,
  where,
  type JsonScan,
} from './unpack-fixtures.js';

const GNU_TIME = '/usr/bin/time';
const MiB = 1024 * 1024;
/** Peak RSS allowed for any of these scans (a plain `lfk scan` of a small folder is ~60 MB). */
const RSS_LIMIT_MB = 400;

/** A scan of `args` in `cwd`, with the process's peak RSS in MB (when GNU time is there). */
async function measured(args: string[], cwd: string): Promise<JsonScan & { rssMb?: number }> {
  if (!existsSync(GNU_TIME)) return scanJson(args, cwd);
  const scan = await scanJson(args, cwd, [GNU_TIME, '-f', 'lfk-max-rss-kb=%M']);
  const kb = /lfk-max-rss-kb=(\d+)/.exec(scan.run.stderr)?.[1];
  const rssMb = kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  console.log(`peak RSS of lfk scan ${args.join(' ')}: ${rssMb} MB`);
  return { ...scan, ...(rssMb !== undefined && { rssMb }) };
}

function expectBounded(scan: { rssMb?: number }): void {
  if (scan.rssMb !== undefined) expect(scan.rssMb).toBeLessThan(RSS_LIMIT_MB);
}

/** `count` MiB of one byte value, gzip'd (level 9) into `path` by streaming: nothing big in memory. */
async function gzipOf(path: string, byte: number, count: number): Promise<void> {
  const block = Buffer.alloc(MiB, byte);
  async function* blocks() {
    for (let i = 0; i < count; i++) yield block;
  }
  await pipeline(blocks(), createGzip({ level: 9 }), createWriteStream(path));
}

describeWithTools('lfk scan: archive bombs and broken archives', { timeout: 180_000 }, () => {
  const key = generateKey();
  let root: string;

  beforeAll(async () => {
    root = folder({ 'after.env': envText(key) });
    // A 42.zip: a zip of 16 zips of 16 zips of 1 GiB of text ('a'), ~1 MB a piece, built once.
    const bomb = join(root, 'bomb');
    mkdirSync(bomb);
    sh(`head -c ${1024 * MiB} /dev/zero | tr '\\0' 'a' | zip -q inner.zip -`, bomb);
    sh(
      'for i in $(seq -w 1 16); do cp inner.zip i$i.zip; done && zip -q mid.zip i[0-9]*.zip && rm i[0-9]*.zip inner.zip',
      bomb,
    );
    sh('for i in $(seq -w 1 16); do cp mid.zip m$i.zip; done && zip -q ../42.zip m*.zip && cd .. && rm -r bomb', bomb);
    // 4 GiB of zeros and 1 GiB of 'a', gzip'd.
    await gzipOf(join(root, 'zeros.gz'), 0, 4096);
    await gzipOf(join(root, 'text.gz'), 0x61, 1024);
  }, 180_000);

  it('a 42.zip: cut off by the ratio, then by --max-archive-bytes, and the scan goes on', async () => {
    const scan = await measured(['42.zip', 'after.env'], root);
    expect(where(scan.findings)).toEqual([['after.env', KEY_LINE, KEY_COLUMN]]);
    expect(
      scan.warnings.some((warning) =>
        /^42\.zip!m01\.zip!i01\.zip!-: compression ratio over 1000:1 \(\d+ bytes from \d+\)/.test(warning),
      ),
    ).toBe(true);
    expect(
      scan.warnings.some((warning) =>
        /^42\.zip!.*: more than --max-archive-bytes 1073741824 bytes decompressed/.test(warning),
      ),
    ).toBe(true);
    expectBounded(scan);
  });

  it("4 GiB of zeros gzip'd (binary, its bytes searched) and 1 GiB of text: both cut by the ratio", async () => {
    const scan = await measured(['zeros.gz', 'text.gz', 'after.env'], root);
    expect(where(scan.findings)).toEqual([['after.env', KEY_LINE, KEY_COLUMN]]);
    expect(scan.stats.binary).toBe(1);
    expect(scan.warnings).toEqual([
      expect.stringMatching(/^zeros\.gz: compression ratio over 1000:1/),
      expect.stringMatching(/^text\.gz: compression ratio over 1000:1/),
    ]);
    expectBounded(scan);
  });

  it('a tar entry claiming 1 TB: nothing allocated by the claim; truncation and the byte budget are warnings', async () => {
    const cwd = folder({ 'after.env': envText(key) });
    // The header by hand (tar cannot write a 1 TB claim without 1 TB of data): GNU base-256 size.
    const header = tarHeader('huge.env', 1024 ** 4);
    const text = `${envText(key)}${'filler line of text\n'.repeat(4096)}`;
    writeFileSync(join(cwd, 'huge.tar'), Buffer.concat([header, Buffer.from(text)]));
    // The same claim with 64 MiB of real (text) data behind it, gzip'd, and a 16 MiB budget.
    const lines = Array.from({ length: 64 }, (_, i) => `${i} ${'abcdefghijklmnopqrstuvwxyz'.repeat(3)}\n`).join('');
    const body = Buffer.from(lines.repeat(Math.ceil(MiB / lines.length)).slice(0, MiB));
    async function* claimed() {
      yield header;
      for (let i = 0; i < 64; i++) yield body;
    }
    await pipeline(claimed(), createGzip(), createWriteStream(join(cwd, 'huge.tar.gz')));
    const scan = await measured(['--max-archive-bytes', '16M', 'huge.tar', 'huge.tar.gz', 'after.env'], cwd);
    expect(where(scan.findings)).toEqual([
      ['after.env', KEY_LINE, KEY_COLUMN],
      ['huge.tar!huge.env', KEY_LINE, KEY_COLUMN],
    ]);
    expect(scan.warnings).toEqual([
      expect.stringMatching(/^huge\.tar: corrupt or truncated tar data \(Unexpected end of data\)/),
      'huge.tar.gz: more than --max-archive-bytes 16777216 bytes decompressed; the rest is not scanned',
    ]);
    expectBounded(scan);
  });

  it('more than 100,000 entries: the rest are not scanned', async () => {
    const cwd = folder({ 'after.env': envText(key) });
    const many = join(cwd, 'many');
    mkdirSync(many);
    for (let i = 0; i < 100_001; i++) writeFileSync(join(many, `f${i}`), '');
    writeFileSync(join(many, 'zz-last.env'), envText(key));
    sh('tar cf many.tar --sort=name -C many . && rm -r many', cwd);
    const scan = await measured(['many.tar', 'after.env'], cwd);
    expect(where(scan.findings)).toEqual([['after.env', KEY_LINE, KEY_COLUMN]]);
    expect(scan.warnings).toEqual(['many.tar: more than 100000 entries; the rest are not scanned']);
  });

  it('depth 5 with the default depth 4 is not opened; depth 4 is', async () => {
    const cwd = folder({ 'after.env': envText(key), 'n/prod.env': envText(key) });
    // l1.zip ∋ l2.zip ∋ … ∋ prod.env: five levels for deep/, four for shallow/.
    sh('cd n && zip -q l5.zip prod.env && for i in 4 3 2 1; do zip -q l$i.zip l$((i + 1)).zip; done', cwd);
    sh('mkdir deep shallow && cp n/l1.zip deep/ && cp n/l2.zip shallow/ && rm -r n', cwd);
    const scan = await scanJson(['deep', 'shallow', 'after.env'], cwd);
    expect(where(scan.findings)).toEqual([
      ['after.env', KEY_LINE, KEY_COLUMN],
      ['shallow/l2.zip!l3.zip!l4.zip!l5.zip!prod.env', KEY_LINE, KEY_COLUMN],
    ]);
    expect(scan.warnings).toEqual([
      'deep/l1.zip!l2.zip!l3.zip!l4.zip!l5.zip: zip nested deeper than --max-archive-depth 4, not opened',
    ]);
    const deeper = await scanJson(['deep', '--max-archive-depth', '5'], cwd);
    expect(where(deeper.findings)).toEqual([
      ['deep/l1.zip!l2.zip!l3.zip!l4.zip!l5.zip!prod.env', KEY_LINE, KEY_COLUMN],
    ]);
  });

  it('an encrypted zip entry, a truncated gzip and zip, a corrupt xz: warnings, and the scan goes on', async () => {
    const cwd = folder({ 'src/prod.env': envText(key), 'src/open.env': envText(key), 'after.env': envText(key) });
    sh(
      'cd src && zip -q -P pass ../enc.zip prod.env && zip -q -0 ../mixed.zip open.env && zip -q -P pass ../mixed.zip prod.env',
      cwd,
    );
    sh('gzip -c src/prod.env > full.gz && head -c 20 full.gz > trunc.gz && rm full.gz', cwd);
    sh(
      'cd src && zip -q ../full.zip prod.env open.env && cd .. && head -c 100 full.zip > trunc.zip && rm full.zip',
      cwd,
    );
    sh('xz -c src/prod.env > bad.xz && rm -r src', cwd);
    const xz = readFileSync(join(cwd, 'bad.xz'));
    xz.write('CORRUPT!', 24, 'latin1');
    writeFileSync(join(cwd, 'bad.xz'), xz);
    const scan = await scanJson([], cwd);
    expect(where(scan.findings)).toEqual([
      ['after.env', KEY_LINE, KEY_COLUMN],
      ['mixed.zip!open.env', KEY_LINE, KEY_COLUMN],
    ]);
    expect([...scan.warnings].sort()).toEqual([
      expect.stringMatching(/^bad\.xz: corrupt or truncated xz data \(.+\); the rest of it is not scanned$/),
      'enc.zip!prod.env: encrypted zip entry, not scanned',
      'mixed.zip!prod.env: encrypted zip entry, not scanned',
      expect.stringMatching(/^trunc\.gz: corrupt or truncated gzip data \(unexpected end of file\)/),
      expect.stringMatching(
        /^trunc\.zip: corrupt or truncated zip data \(End of central directory record signature not found/,
      ),
    ]);
  });
});

/** A ustar header for a regular file whose size field holds `size` in GNU base-256. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header[124] = 0x80;
  header.writeBigUInt64BE(BigInt(size), 128);
  header.write('00000000000\0', 136, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}
