import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinRuleSet, loadRuleSet } from '../../rules/load.js';
import { createFinder } from '../../scanner/finder.js';
import { scanFiles } from '../../scanner/scan-files.js';
import { fileFragments, type FileEntry } from '../../scanner/sources/file-fragments.js';
import { sniffEncoding } from '../../scanner/sources/sniff.js';
import { streamFragments } from '../../scanner/sources/stdin-fragments.js';
import { detectorFor } from '../../scanner/validators.js';
import { testKey } from './keys.js';

const detector = detectorFor(loadBuiltinRuleSet());
const finder = createFinder(loadBuiltinRuleSet());
const dir = mkdtempSync(join(tmpdir(), 'lfk-files-'));
const KEY = testKey('file-1');
const KEY2 = testKey('file-2');

function write(name: string, content: string | Buffer): FileEntry {
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, file: name };
}

// With a case-insensitive rule, bytes cannot say where keywords are: files take the streaming way.
const rulesDir = mkdtempSync(join(tmpdir(), 'lfk-files-rules-'));
writeFileSync(
  join(rulesDir, 'nocase.toml'),
  `[[rules]]\nid = "any-case"\nregex = '''(?i)acme_[a-f0-9]{8}'''\nkeywords = ["acme_"]\n`,
);
const streaming = detectorFor(await loadRuleSet(join(rulesDir, 'nocase.toml')));

function scanWithChunks(entry: FileEntry, chunkBytes: number, using = detector) {
  const findings = [];
  const fragments = fileFragments(entry, using, { maxFileSize: 0, chunkBytes });
  let step = fragments.next();
  let count = 0;
  while (!step.done) {
    count++;
    findings.push(...using.detect(step.value));
    step = fragments.next();
  }
  return { findings, fragments: count, outcome: step.value };
}

describe('file source: chunks', () => {
  it('finds the same keys at the same places whatever the chunk size', () => {
    // Keys at many offsets, multi-byte characters and CRLF lines, so chunk edges fall everywhere.
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const key = testKey(`chunk-${i}`);
      lines.push(i % 37 === 0 ? `é😀 line ${i} key=${key} tail` : `plain line ${i} ${'x'.repeat(i % 50)} ünïcødé`);
    }
    const text = lines.join('\r\n');
    const entry = write('chunks.txt', text);
    const whole = detector.detect({ text, file: 'chunks.txt' });
    expect(whole.length).toBe(Math.ceil(3000 / 37));
    for (const chunk of [4096, 10_000, 65_536, 1 << 20]) {
      // Around keywords, read back from disk; and streamed whole as overlapping fragments.
      expect(scanWithChunks(entry, chunk).findings).toEqual(whole);
      const { findings, fragments } = scanWithChunks(entry, chunk, streaming);
      expect(findings).toEqual(whole);
      if (chunk < 65_536) expect(fragments).toBeGreaterThan(3);
    }
  });

  it('a key straddling a chunk edge is found once', () => {
    for (let offset = 16_000; offset < 16_500; offset += 7) {
      const text = `${'a '.repeat(offset / 2)}\n${KEY}\nend`;
      for (const using of [detector, streaming]) {
        const { findings } = scanWithChunks(write('edge.txt', text), 4096, using);
        expect(findings.map((f) => [f.line, f.column])).toEqual([[2, 1]]);
      }
    }
  });

  it('clean files are not decoded at all (no fragment reaches the detector)', () => {
    const { fragments, outcome } = scanWithChunks(write('clean.txt', 'nothing here\n'.repeat(5000)), 4096);
    expect(fragments).toBe(0);
    expect(outcome).toEqual({ kind: 'text', bytes: 65_000 });
  });

  it('a keyword split across two reads still sends the file to the detector', () => {
    const text = `${'y'.repeat(4092)} ${KEY}`;
    const { findings } = scanWithChunks(write('split.txt', text), 4096);
    expect(findings.map((f) => f.column)).toEqual([4094]);
  });
});

describe('file source: encodings and odd files', () => {
  it('UTF-16 LE and BE, with and without a byte-order mark', () => {
    const text = `first line\nsecond: ${KEY}\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const [name, bytes] of [
      ['le-bom.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
      ['le.txt', le],
      ['be-bom.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be])],
      ['be.txt', be],
    ] as const) {
      const { findings } = scanWithChunks(write(name, bytes), 1 << 20);
      expect(
        findings.map((f) => [f.secret, f.line, f.column]),
        name,
      ).toEqual([[KEY, 2, 9]]);
    }
  });

  it('a UTF-8 byte-order mark is not a column', () => {
    const { findings } = scanWithChunks(
      write('bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`k=${KEY}`)])),
      1 << 20,
    );
    expect(findings.map((f) => f.column)).toEqual([3]);
  });

  it('invalid UTF-8 is replaced, and keys after it keep their place', () => {
    const bytes = Buffer.concat([Buffer.from('A'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from(` ${KEY}`)]);
    const { findings } = scanWithChunks(write('invalid.txt', bytes), 1 << 20);
    // A, then U+FFFD for C3, "(", U+FFFD U+FFFD for A0 A1, a space: the key starts at column 7.
    expect(findings.map((f) => [f.secret, f.column])).toEqual([[KEY, 7]]);
  });

  it('binary files are searched as bytes, in one read or across many; empty files are scanned and clean', () => {
    const head = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x0a, 0xff, 0x6b]);
    const image = Buffer.concat([head, Buffer.from(KEY), Buffer.alloc(5000, 0x61), Buffer.from(`\n\0${KEY2}`)]);
    for (const chunkBytes of [1 << 20, 1000]) {
      const { findings, outcome } = scanWithChunks(write('image.dat', image), chunkBytes);
      expect(outcome).toEqual({ kind: 'binary', bytes: image.length });
      // Lines count newline bytes, columns count bytes: the key starts at byte 3 of line 2.
      expect(findings.map((f) => [f.secret, f.line, f.column, f.binary])).toEqual([
        [KEY, 2, 3, true],
        [KEY2, 3, 2, true],
      ]);
    }
    const clean = Buffer.concat([head, Buffer.alloc(3000, 0x61)]);
    expect(scanWithChunks(write('clean.dat', clean), 1000)).toMatchObject({
      fragments: 0,
      outcome: { kind: 'binary', bytes: clean.length },
    });
    expect(scanWithChunks(write('empty.txt', ''), 1 << 20).outcome).toEqual({ kind: 'text', bytes: 0 });
    expect(sniffEncoding(Buffer.alloc(0))).toBe('utf-8');
  });

  it('a file deleted before it is read is a warning, and the scan goes on', async () => {
    const gone = write('gone.txt', KEY);
    rmSync(gone.path);
    const kept = write('kept.txt', KEY2);
    const result = await scanFiles([gone, kept], finder, { maxFileSize: 0 });
    expect(result.warnings).toEqual(['gone.txt: cannot read (ENOENT), skipped']);
    expect(result.findings.map((f) => f.secret)).toEqual([KEY2]);
    expect(result.stats.files).toBe(1);
  });

  it('files over the size limit are skipped with a warning and counted', async () => {
    const big = write('big.txt', KEY.repeat(100));
    const small = write('small.txt', KEY2);
    const result = await scanFiles([big, small], finder, { maxFileSize: 1000 });
    expect(result.findings.map((f) => f.secret)).toEqual([KEY2]);
    expect(result.stats).toMatchObject({ files: 1, skipped: 1 });
    expect(result.warnings).toEqual([`big.txt: ${KEY.length * 100} bytes is over --max-file-size 1000, skipped`]);
  });

  it('lock files and binary formats are not opened', async () => {
    const result = await scanFiles([write('yarn.lock', KEY), write('logo.png', KEY), write('ok.txt', KEY2)], finder, {
      maxFileSize: 0,
    });
    expect(result.findings.map((f) => f.file)).toEqual(['ok.txt']);
    expect(result.stats.files).toBe(1);
  });

  it('a folder given as a file is unreadable, not fatal', async () => {
    mkdirSync(join(dir, 'afolder'), { recursive: true });
    const result = await scanFiles([{ path: join(dir, 'afolder'), file: 'afolder' }], finder, { maxFileSize: 0 });
    expect(result.warnings).toEqual(['afolder: cannot read (EISDIR), skipped']);
  });
});

describe('stdin source', () => {
  it('scans a stream in pieces, with positions across pieces', async () => {
    async function* pieces() {
      yield Buffer.from('line one\nkey: lfk_');
      yield Buffer.from(KEY.slice(4));
      yield '\nlast';
    }
    const fragments = streamFragments(pieces());
    const found = [];
    let step = await fragments.next();
    while (!step.done) {
      found.push(...detector.detect(step.value));
      step = await fragments.next();
    }
    expect(found.map((f) => [f.file, f.line, f.column, f.secret])).toEqual([['-', 2, 6, KEY]]);
    expect(step.value).toEqual({ kind: 'text', bytes: 9 + 9 + KEY.length - 4 + 5 });
  });
});
