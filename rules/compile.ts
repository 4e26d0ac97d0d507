// RuleSet (plain data) → compiled rules. Every regex goes through the RE2 wrapper here, so a bad
// or RE2-unsupported pattern fails at load time with the file, rule and field named.
import { compileRegex, type SafeRegex } from './regex.js';
import type { AllowlistSpec, CompiledAllowlist, CompiledRule, CompiledRuleSet, RuleSet, RuleSpec } from './types.js';

const CASE_INSENSITIVE = /^\(\?[a-zA-Z]*i[a-zA-Z]*\)/;

export function compileRuleSet(set: RuleSet): CompiledRuleSet {
  return {
    rules: set.rules.map(compileRule),
    allowlists: set.allowlists.map((allowlist, index) =>
      compileAllowlist(
        allowlist,
        (field, error) => `${allowlist.origin ?? `global allowlists[${index}]`}: field "${field}": ${error}`,
      ),
    ),
  };
}

function compileRule(spec: RuleSpec): CompiledRule {
  const where = (field: string, error: string) => `${spec.file}: rule "${spec.id}": field "${field}": ${error}`;
  const regex = compile(spec.regex, 'regex', where);
  if (spec.secretGroup > regex.groupCount) {
    throw new Error(where('secretGroup', `${spec.secretGroup} but the regex has ${regex.groupCount} capture group(s)`));
  }
  const binaryRegex = spec.binaryRegex === undefined ? regex : compile(spec.binaryRegex, 'binaryRegex', where);
  if (spec.secretGroup > binaryRegex.groupCount) {
    throw new Error(
      where(
        'binaryRegex',
        `secretGroup is ${spec.secretGroup} but binaryRegex has ${binaryRegex.groupCount} capture group(s)`,
      ),
    );
  }
  const caseInsensitive = CASE_INSENSITIVE.test(spec.regex);
  return {
    spec,
    regex,
    binaryRegex,
    ...(spec.path !== undefined && { path: compile(spec.path, 'path', where) }),
    caseInsensitive,
    keywords: caseInsensitive ? spec.keywords.map((keyword) => keyword.toLowerCase()) : spec.keywords,
    allowlists: spec.allowlists.map((allowlist, index) =>
      compileAllowlist(allowlist, (field, error) => where(`allowlists[${index}].${field}`, error)),
    ),
  };
}

type Where = (field: string, error: string) => string;

function compileAllowlist(spec: AllowlistSpec, where: Where): CompiledAllowlist {
  return {
    spec,
    regexes: spec.regexes.map((source, index) => compile(source, `regexes[${index}]`, where)),
    paths: spec.paths.map((source, index) => compile(source, `paths[${index}]`, where)),
    stopwords: spec.stopwords.map((word) => word.toLowerCase()),
  };
}

function compile(source: string, field: string, where: Where): SafeRegex {
  try {
    return compileRegex(source);
  } catch (error) {
    throw new Error(where(field, error instanceof Error ? error.message : String(error)));
  }
}
