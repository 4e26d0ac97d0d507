// The validators rules name in `validate`; rules/ stays free of lfk code, the scanner supplies them.
import { isWellFormedKey } from '../platform/key-format.js';
import { compileRuleSet } from '../rules/compile.js';
import type { RuleSet } from '../rules/types.js';
import { createDetector, type Detector, type Validator } from './detect.js';

export const VALIDATORS: Record<string, Validator> = {
  'lfk-checksum': isWellFormedKey,
};

export function detectorFor(ruleSet: RuleSet, options: { reportInvalid?: boolean } = {}): Detector {
  return createDetector(compileRuleSet(ruleSet), {
    validators: VALIDATORS,
    reportInvalid: options.reportInvalid ?? false,
  });
}
