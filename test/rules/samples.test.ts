// Every rule carries its own evidence: its true positives must be found, its false positives not,
// plain and encoded (docs/scanner.md#encoded-text): each true positive is also written in every
// encoding the scanner decodes, from a fresh key (a sample's lfk key is replaced by a new one at
// run time).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import { builtinRuleFiles, loadBuiltinRuleSet, loadCheckedRuleFile } from '../../rules/load.js';
import { createFinder } from '../../scanner/finder.js';
import type { Finding } from '../../scanner/types.js';
import { wrapLines } from '../scanner/encoded-cases.js';

const ruleSet = loadBuiltinRuleSet();
const finder = createFinder(ruleSet);
const findingsIn = (text: string, ruleId: string): Finding[] =>
  finder.findings({ text, file: 'sample.txt' }, []).filter((f) => f.ruleId === ruleId);

/** Each character but letters and digits written as `escape(code)`. */
const escapeAll = (text: string, write: (code: string) => string) =>
  text.replace(/[^0-9A-Za-z]/g, (char) => write(char.charCodeAt(0).toString(16).padStart(2, '0')));

const ENCODINGS: Array<{ name: string; decoded: string[]; encode: (sample: string) => string }> = [
  { name: 'base64', decoded: ['base64'], encode: (sample) => `value: ${Buffer.from(sample).toString('base64')}` },
  {
    name: 'URL-safe base64 without padding',
    decoded: ['base64'],
    encode: (sample) => `value=${Buffer.from(`\xfe${sample}`, 'latin1').toString('base64url')}`,
  },
  {
    name: 'base64 wrapped at 76',
    decoded: ['base64'],
    encode: (sample) => `\n${wrapLines(Buffer.from(`${'-'.repeat(70)} ${sample}`).toString('base64'), 76)}\n`,
  },
  { name: 'hex', decoded: ['hex'], encode: (sample) => `0x${Buffer.from(sample).toString('hex')}` },
  {
    name: 'percent-encoding',
    decoded: ['percent'],
    encode: (sample) => `q=${escapeAll(sample, (hex) => `%${hex.toUpperCase()}`)}&x=1`,
  },
  { name: '\\u escapes', decoded: ['escape'], encode: (sample) => `"${escapeAll(sample, (hex) => `\\u00${hex}`)}"` },
  {
    name: 'base64 of gzip',
    decoded: ['base64', 'gzip'],
    encode: (sample) => `gz: ${gzipSync(sample).toString('base64')}`,
  },
];

describe('built-in rule files', () => {
  it('pass the schema (the run-time loader trusts them)', async () => {
    for (const file of builtinRuleFiles()) {
      const checked = await loadCheckedRuleFile(file);
      expect(checked.rules.length + checked.allowlists.length).toBeGreaterThan(0);
    }
  });

  it('include trustleads-api-key with samples of both kinds', () => {
    const rule = ruleSet.rules.find((r) => r.id === 'trustleads-api-key');
    expect(rule?.validate).toBe('lfk-checksum');
    expect(rule?.revocable).toBe(true);
    expect(rule?.samples.truePositives.length).toBeGreaterThanOrEqual(5);
    expect(rule?.samples.falsePositives.length).toBeGreaterThanOrEqual(5);
  });
});

for (const rule of ruleSet.rules) {
  describe(`rule ${rule.id}`, () => {
    for (const sample of rule.samples.truePositives) {
      it(`finds: ${sample}`, () => {
        const found = findingsIn(sample, rule.id);
        expect(found).toHaveLength(1);
        expect(found[0]?.checksum).toBe('valid');
        expect(found[0]?.decoded).toBeUndefined();
        expect(sample.slice(found[0]!.column - 1, found[0]!.endColumn - 1)).toBe(found[0]?.secret);
      });
      for (const { name, decoded, encode } of ENCODINGS) {
        it(`finds ${name} of: ${sample}`, () => {
          const fresh = sample.replace(/lfk_sk_[0-9A-Za-z]{40}/g, () => generateKey());
          const found = findingsIn(encode(fresh), rule.id);
          expect(found).toHaveLength(1);
          expect(found[0]).toMatchObject({ checksum: 'valid', decoded });
          expect(fresh).toContain(found[0]!.secret);
        });
      }
    }
    for (const sample of rule.samples.falsePositives) {
      it(`ignores: ${sample}`, () => {
        expect(findingsIn(sample, rule.id)).toEqual([]);
      });
    }
  });
}
