// Keys hidden in encoded text (docs/scanner.md#encoded-text), through the file source and the
// standard-input source in this process: found once each, at the encoded run's place in the stored
// file, with the chain of decodings; not found past the depth limit; decoys stay quiet; the
// limits hold.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { loadBuiltinRuleSet, loadRuleSet } from '../../rules/load.js';
import { formsOf } from '../../scanner/decode/forms.js';
import { INFLATE_CAP } from '../../scanner/decode/gunzip.js';
import { createFinder, type FinderOptions } from '../../scanner/finder.js';
import { scanStream } from '../../scanner/scan.js';
import { scanFiles } from '../../scanner/scan-files.js';
import { encodedCases, placeOf, type EncodedCase } from './encoded-cases.js';
import { badChecksum } from './keys.js';

const ruleSet = loadBuiltinRuleSet();
const dir = mkdtempSync(join(tmpdir(), 'lfk-decode-'));
let written = 0;

async function scanText(text: string | Buffer, name = 'f.txt', options: FinderOptions = {}, rules = ruleSet) {
  const path = join(dir, `${written++}-${name}`);
  writeFileSync(path, text);
  return scanFiles([{ path, file: name }], createFinder(rules, options), { maxFileSize: 0 });
}

async function* pieces(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function expectFoundOnce(found: Awaited<ReturnType<typeof scanText>>, sample: EncodedCase, file = sample.file): void {
  expect(found.findings, sample.name).toHaveLength(1);
  expect(found.findings[0], sample.name).toMatchObject({
    file,
    ...placeOf(sample.text, sample.at),
    secret: sample.key,
    checksum: 'valid',
    decoded: sample.decoded,
  });
}

describe('encoded keys in files and standard input', () => {
  for (const sample of encodedCases()) {
    it(`${sample.name}: once, at the encoded run, with the chain`, async () => {
      expectFoundOnce(await scanText(sample.text, sample.file), sample);
      // Standard input comes in pieces of any size; a short text is one fragment whatever the pieces.
      expectFoundOnce(await scanStream(pieces(sample.text, 7), { ruleSet, reportInvalid: false }), sample, '-');
    });
  }

  it('the PEM case really splits the searched characters across a wrap', () => {
    const pem = encodedCases().find((sample) => sample.name.startsWith('PEM'))!;
    const cores = formsOf(['lfk_sk_']).flatMap((form) => (form.kind === 'base64' && !form.magic ? [form.text] : []));
    expect(cores.some((core) => pem.text.includes(core))).toBe(false);
  });

  it("the fingerprint is the key's, as for a plain finding", async () => {
    const sample = encodedCases()[0]!;
    const plain = await scanText(`k=${sample.key}\n`);
    const decoded = await scanText(sample.text);
    expect(decoded.findings[0]!.fingerprint).toBe(plain.findings[0]!.fingerprint);
  });

  it('every case in one file: each key once, in order', async () => {
    const samples = encodedCases();
    const text = samples.map((sample) => sample.text).join('\n');
    const found = await scanText(text, 'all.txt');
    expect(found.findings.map((finding) => finding.secret).sort()).toEqual(samples.map((sample) => sample.key).sort());
  });

  it('a key in a file bigger than one read, far from its start, is found at its place', async () => {
    const sample = encodedCases()[1]!;
    const head = 'filler line of ordinary text\n'.repeat(60_000);
    const found = await scanText(head + sample.text);
    expect(found.findings).toHaveLength(1);
    const { line, column } = placeOf(sample.text, sample.at);
    expect(found.findings[0]).toMatchObject({ line: line + 60_000, column, decoded: ['base64'] });
  });

  it('--max-decode-depth: 1 finds base64 but not base64 of gzip, 0 finds neither', async () => {
    const samples = encodedCases();
    const flat = samples.find((sample) => sample.decoded.join() === 'base64')!;
    const gzipped = samples.find((sample) => sample.decoded.join() === 'base64,gzip')!;
    const text = `${flat.text}\n${gzipped.text}`;
    const secrets = async (depth: number) =>
      (await scanText(text, 'depth.txt', { maxDecodeDepth: depth })).findings.map((finding) => finding.secret);
    expect(await secrets(2)).toEqual([flat.key, gzipped.key]);
    expect(await secrets(1)).toEqual([flat.key]);
    expect(await secrets(0)).toEqual([]);
  });

  it('nested three deep: base64 of gzip of JSON with \\u005f escapes', async () => {
    const key = generateKey();
    const json = JSON.stringify({ token: key }).replaceAll('_', '\\u005f');
    const text = `blob: ${gzipSync(json).toString('base64')}\n`;
    expect((await scanText(text)).findings.map((finding) => finding.decoded)).toEqual([['base64', 'gzip', 'escape']]);
    expect((await scanText(text, 'f.txt', { maxDecodeDepth: 2 })).findings).toEqual([]);
  });
});

describe('what is not a key stays quiet', () => {
  it('base64 of a bad-checksum key: only with --report-invalid, as invalid', async () => {
    const text = `API_KEY: ${Buffer.from(badChecksum(generateKey())).toString('base64')}\n`;
    expect((await scanText(text)).findings).toEqual([]);
    const invalid = await scanText(text, 'f.txt', { reportInvalid: true });
    expect(invalid.findings.map((finding) => [finding.checksum, finding.decoded])).toEqual([['invalid', ['base64']]]);
  });

  it('the documentation key hex-encoded, random base64 holding "lfk", the keyword alone', async () => {
    const documented = 'lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0';
    const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 17) % 256)).toString('base64');
    const text = [
      `hex: ${Buffer.from(documented).toString('hex')}`,
      `b64: ${random.slice(0, 100)}lfk${random.slice(100)}`,
      `b64: ${Buffer.from('the lfk_sk_ prefix alone, no key after it').toString('base64')}`,
      `pct: lfk%5Fsk%5F and \\u005f alone`,
    ].join('\n');
    expect((await scanText(text)).findings).toEqual([]);
  });
});

describe('ignoring decoded findings', () => {
  it('lfk:allow on the stored line silences it; in the decoded text it does not', async () => {
    const key = generateKey();
    const allowed = `API_KEY: ${Buffer.from(key).toString('base64')} # lfk:allow\n`;
    expect((await scanText(allowed)).findings).toEqual([]);
    const inside = `API_KEY: ${Buffer.from(`${key} # lfk:allow`).toString('base64')}\n`;
    expect((await scanText(inside)).findings.map((finding) => finding.secret)).toEqual([key]);
  });

  it('a line allowlist sees the stored line, a secret allowlist the key', async () => {
    const key = generateKey();
    const config = join(dir, 'allow.toml');
    writeFileSync(
      config,
      `[[allowlists]]\nregexTarget = "line"\nregexes = ['''FIXTURE''']\n[[allowlists]]\nregexTarget = "secret"\nregexes = ['''${key.slice(-8)}$''']\n`,
    );
    const rules = await loadRuleSet(config);
    const encoded = (text: string) => Buffer.from(text).toString('base64');
    expect((await scanText(`FIXTURE=${encoded(` ${generateKey()} `)}\n`, 'f.txt', {}, rules)).findings).toEqual([]);
    expect((await scanText(`K=${encoded(` ${key} `)}\n`, 'f.txt', {}, rules)).findings).toEqual([]);
    expect((await scanText(`K=${encoded(` FIXTURE ${generateKey()} `)}\n`, 'f.txt', {}, rules)).findings).toHaveLength(
      1,
    );
  });
});

describe('limits', () => {
  it('a gzip bomb inside base64 is cut at the cap with a warning naming the file, memory bounded', async () => {
    const key = generateKey();
    // 100 MB of zeros with a key in front: about 100 KB of gzip, 130 KB of base64.
    const bomb = gzipSync(Buffer.concat([Buffer.from(`{"token": "${key}", "pad": "`), Buffer.alloc(100 << 20)]), {
      level: 9,
    });
    expect(bomb.length).toBeLessThan(200_000);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const found = await scanText(`line one\nblob: ${bomb.toString('base64')}\n`, 'bomb.txt');
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 << 20);
    expect(found.findings.map((finding) => [finding.secret, finding.line, finding.column])).toEqual([[key, 2, 7]]);
    expect(found.warnings).toEqual([
      `bomb.txt:2: gzip data in base64 decompresses to more than ${INFLATE_CAP} bytes; only the first ${INFLATE_CAP} are scanned`,
    ]);
  });

  it('truncated and corrupt gzip give what they hold, or nothing, without an error', async () => {
    const key = generateKey();
    // Numbers that compress poorly, so that half the stream still holds the key at its front.
    const gzipped = gzipSync(
      `{"token": "${key}", "more": "${Array.from({ length: 2000 }, (_, i) => (i * 7919) % 10007).join(',')}"}`,
    );
    const truncated = gzipped.subarray(0, Math.floor(gzipped.length / 2));
    const corrupt = Buffer.concat([gzipped.subarray(0, 12), Buffer.alloc(40, 0xff), gzipped.subarray(52)]);
    const found = await scanText(`a: ${truncated.toString('base64')}\nb: ${corrupt.toString('base64')}\n`);
    expect(found.findings.map((finding) => [finding.secret, finding.line])).toEqual([[key, 1]]);
  });
});
