import { describe, expect, it } from 'vitest';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { detectorFor } from '../../scanner/validators.js';
import type { Fragment } from '../../scanner/types.js';
import { badChecksum, testKey } from './keys.js';

const detector = detectorFor(loadBuiltinRuleSet());
const withInvalid = detectorFor(loadBuiltinRuleSet(), { reportInvalid: true });
const KEY = testKey('detect-1');
const KEY2 = testKey('detect-2');

function scan(text: string, extra: Partial<Fragment> = {}) {
  return detector.detect({ text, file: 'f.txt', ...extra });
}
function positions(text: string) {
  return scan(text).map((f) => [f.secret, f.line, f.column, f.endColumn]);
}

describe('detect: contexts a key can sit in', () => {
  const cases: Array<[string, string, number, number]> = [
    ['JSON', `{\n  "apiKey": "${KEY}",\n  "x": 1\n}`, 2, 14],
    ['YAML', `trustleads:\n  api_key: ${KEY}\n`, 2, 12],
    ['YAML quoted', `api_key: '${KEY}'`, 1, 11],
    ['.env', `# comment\nTRUSTLEADS_API_KEY=${KEY}\nOTHER=1\n`, 2, 20],
    ['URL query', `curl "https://api.example/v1/usage?key=${KEY}&page=2"`, 1, 40],
    ['URL path', `https://example/${KEY}/x`, 1, 17],
    ['header', `Authorization: Bearer ${KEY}\r\n`, 1, 23],
    ['X-API-Key header', `X-API-Key:${KEY}`, 1, 11],
    ['double quotes', `const k = "${KEY}";`, 1, 12],
    ['backticks', `fetch(u, {headers: {k: \`${KEY}\`}})`, 1, 25],
    ['end of file without newline', `a\nb\nkey=${KEY}`, 3, 5],
    ['start of file', `${KEY} trailing`, 1, 1],
    ['whole file', KEY, 1, 1],
  ];
  for (const [name, text, line, column] of cases) {
    it(name, () => {
      expect(positions(text)).toEqual([[KEY, line, column, column + KEY.length]]);
    });
  }

  it('minified code: one long line, several keys, exact columns', () => {
    const filler = 'var a=function(b){return b*2};'.repeat(2000);
    const text = `${filler}x="${KEY}";${filler}y='${KEY2}';`;
    const first = filler.length + 4;
    const second = first + KEY.length + 2 + filler.length + 3;
    expect(positions(text)).toEqual([
      [KEY, 1, first, first + KEY.length],
      [KEY2, 1, second, second + KEY2.length],
    ]);
  });

  it('CRLF line endings: lines and columns as an editor shows them', () => {
    const text = `one\r\ntwo\r\n\r\n  key: ${KEY}\r\nlast ${KEY2}\r\n`;
    expect(positions(text)).toEqual([
      [KEY, 4, 8, 8 + KEY.length],
      [KEY2, 5, 6, 6 + KEY2.length],
    ]);
  });

  it('columns count UTF-16 code units after multi-byte characters', () => {
    // é is one code unit, 😀 two (a surrogate pair), 日本 one each.
    const text = `é😀日本=${KEY}`;
    expect(positions(text)).toEqual([[KEY, 1, 7, 7 + KEY.length]]);
  });

  it('two keys on a line, separated by one character or by a space', () => {
    expect(positions(`${KEY},${KEY2}`)).toEqual([
      [KEY, 1, 1, 48],
      [KEY2, 1, 49, 96],
    ]);
    expect(positions(`${KEY} ${KEY2}`).map((p) => p[0])).toEqual([KEY, KEY2]);
  });

  it('a fragment that starts mid-file carries its line and column on', () => {
    const findings = scan(`ab ${KEY}\nx ${KEY2}`, { startLine: 10, startColumn: 5 });
    expect(findings.map((f) => [f.line, f.column])).toEqual([
      [10, 8],
      [11, 3],
    ]);
  });

  it('ownership: a secret starting outside [ownFrom, ownTo) is left to the neighbouring chunk', () => {
    const text = `${KEY} ${KEY2}`;
    expect(scan(text, { ownFrom: 1 }).map((f) => f.secret)).toEqual([KEY2]);
    expect(scan(text, { ownTo: 48 }).map((f) => f.secret)).toEqual([KEY]);
  });

  it('fingerprint: rule id and the first 16 hex of sha256 of the full key', async () => {
    const { sha256Hex } = await import('../../platform/key-format.js');
    const [finding] = scan(KEY);
    expect(finding?.fingerprint).toBe(`trustleads-api-key:${sha256Hex(KEY).slice(0, 16)}`);
    expect(finding?.checksum).toBe('valid');
  });
});

describe('detect: decoys that must not be reported', () => {
  const decoys: Array<[string, string]> = [
    ['help article example (bad checksum)', 'key = lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0'],
    ['placeholder', 'TRUSTLEADS_API_KEY=lfk_sk_your_key_here'],
    ['wrong checksum', badChecksum(KEY)],
    ['39 characters', KEY.slice(0, -1)],
    ['41 characters', `${KEY}x`],
    ['inside a longer word (before)', `x${KEY}`],
    ['inside a longer word (after)', `${KEY}0`],
    ['inside a longer word (both)', `abc${KEY}def`],
    ['prefix only', 'lfk_sk_'],
    ['wrong prefix case', KEY.toUpperCase()],
  ];
  for (const [name, text] of decoys) {
    it(name, () => {
      expect(scan(text)).toEqual([]);
      expect(scan(`line one\n"${text}"\n`)).toEqual([]);
    });
  }

  it('--report-invalid lists bad-checksum shapes as invalid, never placeholders', () => {
    const text = `a=lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0\nb=lfk_sk_your_key_here\nc=${KEY}`;
    const findings = withInvalid.detect({ text, file: 'f' });
    expect(findings.map((f) => [f.line, f.checksum])).toEqual([
      [1, 'invalid'],
      [3, 'valid'],
    ]);
  });

  it('lfk:allow on the line silences that line only', () => {
    const text = `a = "${KEY}" # lfk:allow\nb = "${KEY2}"\n`;
    expect(scan(text).map((f) => f.secret)).toEqual([KEY2]);
  });
});

describe('detect: byte prefilter', () => {
  it('says no for bytes without a keyword, yes with one', () => {
    expect(detector.bytesMayMatch(Buffer.from('nothing to see here, lfk sk'))).toBe(false);
    expect(detector.bytesMayMatch(Buffer.from(`x ${KEY}`))).toBe(true);
    expect(detector.maxKeywordBytes).toBe('lfk_sk_'.length);
  });

  it('skips lock files and binary formats by path', () => {
    expect(detector.skipsPath('a/package-lock.json')).toBe(true);
    expect(detector.skipsPath('logo.PNG')).toBe(true);
    expect(detector.skipsPath('src/config.json')).toBe(false);
  });

  it('finds the keyword by a rarer part of it, and still only the whole keyword counts', () => {
    expect(detector.bytesMayMatch(Buffer.from('callback_sk_ fork_sk_x k_sk_ lfk_s'))).toBe(false);
    expect(detector.bytesMayMatch(Buffer.from('fork_sk_ then lfk_sk_'))).toBe(true);
    expect(detector.bytesMayMatch(Buffer.from('lfk_sk_'))).toBe(true);
    // Cut by the buffer's start: the caller's seam check decides, so "may" is the safe answer.
    expect(detector.bytesMayMatch(Buffer.from('k_sk_abc'))).toBe(true);
  });

  it('skips a batch of paths exactly as it skips each path alone', () => {
    const files = [
      'src/config.json',
      'a/package-lock.json',
      'logo.PNG',
      'docs/yarn.lock.md',
      'notes.png.txt',
      'deep/x/go.sum',
      'package-lock.json',
      'img/a.jpeg',
      'weird name.png',
      '',
      'font.woff2',
      'font.woff2.1',
    ];
    const expected = files.map((file) => detector.skipsPath(file));
    expect(expected.filter(Boolean).length).toBe(7);
    expect(detector.skipsPaths(files)).toEqual(expected);
    // A path with a newline in it is tested alone (the batch joins paths with newlines).
    const withNewline = ['a.txt', 'x.png\nb.txt', 'c.txt', 'd.png', 'e'];
    expect(detector.skipsPaths(withNewline)).toEqual(withNewline.map((file) => detector.skipsPath(file)));
  });
});
