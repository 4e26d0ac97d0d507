// terminalSafe: what lfk prints to a terminal or a human log cannot carry a control character
// from a scanned file name, rule file or commit (security: a hostile repository recolouring,
// retitling or erasing finding lines).
import { describe, expect, it } from 'vitest';
import { gitAdvice } from '../../cli/commands/scan-git.js';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { terminalSafe, terminalSafeLines } from '../../scanner/report/terminal-safe.js';
import { textReport } from '../../scanner/report/text.js';
import { emptyStats, type Finding } from '../../scanner/types.js';
import { detectorFor } from '../../scanner/validators.js';
import { testKey } from './keys.js';

const hex2 = (code: number) => `\\x${code.toString(16).padStart(2, '0')}`;
const C0 = Array.from({ length: 0x20 }, (_, code) => code);
const C1 = Array.from({ length: 0x20 }, (_, i) => 0x80 + i);
const BIDI = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
const SEPARATORS = [0x2028, 0x2029];
/** Every character terminalSafe must escape. */
const UNSAFE = [...C0, 0x7f, ...C1, ...BIDI, ...SEPARATORS];
/** Any of them, to assert their absence from output. */
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('escapes TAB, LF and CR by name and the other C0 controls as \\xHH', () => {
    for (const code of C0) {
      const expected = code === 0x09 ? '\\t' : code === 0x0a ? '\\n' : code === 0x0d ? '\\r' : hex2(code);
      expect(terminalSafe(`a${String.fromCharCode(code)}b`), `U+${code.toString(16)}`).toBe(`a${expected}b`);
    }
    expect(terminalSafe('\x1b[31mred\x1b[0m.js')).toBe('\\x1b[31mred\\x1b[0m.js');
    expect(terminalSafe('\x1b]0;owned\x07.js')).toBe('\\x1b]0;owned\\x07.js');
    expect(terminalSafe('a\rb.js')).toBe('a\\rb.js');
    expect(terminalSafe('\0')).toBe('\\x00');
  });

  it('escapes DEL and every C1 control as \\xHH', () => {
    expect(terminalSafe('\x7f')).toBe('\\x7f');
    for (const code of C1) expect(terminalSafe(`<${String.fromCharCode(code)}>`)).toBe(`<${hex2(code)}>`);
    // CSI and OSC in their 8-bit forms.
    expect(terminalSafe('\x9b2K\x9d0;t\x9c')).toBe('\\x9b2K\\x9d0;t\\x9c');
  });

  it('escapes the bidi controls and the line and paragraph separators as \\uHHHH', () => {
    for (const code of [...BIDI, ...SEPARATORS]) {
      expect(terminalSafe(`x${String.fromCharCode(code)}y`)).toBe(`x\\u${code.toString(16).padStart(4, '0')}y`);
    }
    expect(terminalSafe('invoice\u202egpj.exe')).toBe('invoice\\u202egpj.exe');
  });

  it('leaves no raw unsafe character, even with all of them in one string', () => {
    const all = UNSAFE.map((code) => String.fromCharCode(code)).join('');
    const safe = terminalSafe(all);
    expect(safe).not.toMatch(RAW_CONTROL);
    expect(safe.startsWith('\\x00\\x01')).toBe(true);
    expect(safe.endsWith('\\u2028\\u2029')).toBe(true);
    // Escaping the escaped text changes nothing.
    expect(terminalSafe(safe)).toBe(safe);
  });

  it('keeps ordinary printable Unicode as it is', () => {
    for (const text of [
      'naïve ß.txt',
      'ü dir/café',
      '日本語/ファイル.ts',
      '😀 emoji 👍🏽.md',
      'עברית.txt',
      'عربي.js',
      'NBSP\u00a0and\u00ad',
      'zero\u200bwidth',
      '€ £ ¥',
    ]) {
      expect(terminalSafe(text)).toBe(text);
    }
  });

  it('returns the very same string for plain ASCII (the fast path)', () => {
    const plain = 'src/config/settings.production.ts:12:34 with spaces, "quotes" and \\backslash~';
    expect(terminalSafe(plain)).toBe(plain);
    expect(Object.is(terminalSafe(plain), plain)).toBe(true);
    expect(terminalSafe('')).toBe('');
  });

  it('terminalSafeLines keeps line ends and escapes the rest', () => {
    expect(terminalSafeLines('one\x1b[2K\ntwo\r\n')).toBe('one\\x1b[2K\ntwo\\r\n');
    const plain = 'a\nb\n';
    expect(terminalSafeLines(plain)).toBe(plain);
  });
});

describe('reports escape what they print', () => {
  const ruleSet = loadBuiltinRuleSet();
  const key = testKey('terminal-safe-report');
  const names = [
    '\x1b[31mred\x1b[0m.js',
    '\x1b]0;owned\x07.js',
    'a\rb.js',
    'evil\u202egpj.js',
    'new\nline.js',
    'c1\x9b2J.js',
  ];
  const findings: Finding[] = names.flatMap((file) => detectorFor(ruleSet).detect({ text: `k=${key}\n`, file }));
  const input = {
    findings,
    stats: { ...emptyStats(), files: names.length, bytes: 100 },
    durationMs: 1,
    redact: true,
    toolVersion: '0.1.0',
  };

  it("text report: escaped names without colour, and only lfk's own SGR codes with colour", () => {
    expect(findings).toHaveLength(names.length);
    const plain = textReport(input, { color: false });
    expect(plain.replace(/\n/g, '')).not.toMatch(RAW_CONTROL);
    for (const name of names) expect(plain).toContain(`${terminalSafe(name)}:1:3  trustleads-api-key`);
    const coloured = textReport(input, { color: true });
    const withoutSgr = coloured.replace(/\x1b\[\d+m/g, '');
    expect(withoutSgr.replace(/\n/g, '')).not.toMatch(RAW_CONTROL);
    expect(coloured).toContain(`\x1b[36m\\x1b[31mred\\x1b[0m.js:1:3\x1b[0m`);
    expect(coloured.split('\n')).toHaveLength(names.length + 3);
  });

  it('commit and push block messages escape the file names', () => {
    for (const selection of [{ kind: 'staged' as const }, { kind: 'pre-push' as const, input: '' }]) {
      const advice = gitAdvice(selection, findings);
      expect(advice.replace(/\n/g, '')).not.toMatch(RAW_CONTROL);
      for (const name of names) expect(advice).toContain(`  ${terminalSafe(name)}:1  `);
    }
  });
});
