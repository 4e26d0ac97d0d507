// `lfk rules export --to gitleaks`: a gitleaks config with lfk's rules. gitleaks cannot check the
// checksum, so it also reports bad-checksum look-alikes; lfk-only fields are left out.
import { stringify } from 'smol-toml';
import type { AllowlistSpec, RuleSet } from '../types.js';

export function toGitleaks(set: RuleSet): string {
  const config = {
    title: 'lfk rules (exported by lfk rules export --to gitleaks)',
    rules: set.rules.map((rule) => ({
      id: rule.id,
      description: rule.description,
      regex: rule.regex,
      ...(rule.secretGroup > 0 && { secretGroup: rule.secretGroup }),
      keywords: rule.keywords,
      ...(rule.entropy !== undefined && { entropy: rule.entropy }),
      ...(rule.path !== undefined && { path: rule.path }),
      ...(rule.tags.length > 0 && { tags: rule.tags }),
      ...(rule.allowlists.length > 0 && { allowlists: rule.allowlists.map(allowlist) }),
    })),
    ...(set.allowlists.length > 0 && { allowlists: set.allowlists.map(allowlist) }),
  };
  return `${stringify(config)}\n`;
}

function allowlist(spec: AllowlistSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (spec.description !== undefined) out.description = spec.description;
  if (spec.condition !== 'OR') out.condition = spec.condition;
  if (spec.regexes.length > 0) {
    out.regexes = spec.regexes;
    if (spec.regexTarget !== 'secret') out.regexTarget = spec.regexTarget;
  }
  for (const field of ['stopwords', 'paths', 'commits', 'targetRules'] as const)
    if (spec[field].length > 0) out[field] = spec[field];
  return out;
}
