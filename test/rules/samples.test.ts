// Every rule carries its own evidence: its true positives must be found, its false positives not.
import { describe, expect, it } from 'vitest';
import { builtinRuleFiles, loadBuiltinRuleSet, loadCheckedRuleFile } from '../../rules/load.js';
import { detectorFor } from '../../scanner/validators.js';

const ruleSet = loadBuiltinRuleSet();
const detector = detectorFor(ruleSet);

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
        const found = detector.detect({ text: sample, file: 'sample.txt' }).filter((f) => f.ruleId === rule.id);
        expect(found).toHaveLength(1);
        expect(found[0]?.checksum).toBe('valid');
        expect(sample.slice(found[0]!.column - 1, found[0]!.endColumn - 1)).toBe(found[0]?.secret);
      });
    }
    for (const sample of rule.samples.falsePositives) {
      it(`ignores: ${sample}`, () => {
        expect(detector.detect({ text: sample, file: 'sample.txt' }).filter((f) => f.ruleId === rule.id)).toEqual([]);
      });
    }
  });
}
