// Raw TOML values (already checked) → RuleSpec / AllowlistSpec with every default filled in.
import type { RawAllowlist, RawConfigRule } from './schema.js';
import type { AllowlistSpec, RuleSpec } from './types.js';

export function toAllowlistSpec(raw: RawAllowlist): AllowlistSpec {
  return {
    ...(raw.description !== undefined && { description: raw.description }),
    condition: raw.condition ?? 'OR',
    regexes: raw.regexes ?? [],
    regexTarget: raw.regexTarget ?? 'secret',
    stopwords: raw.stopwords ?? [],
    paths: raw.paths ?? [],
    commits: raw.commits ?? [],
    targetRules: raw.targetRules ?? [],
  };
}

/** Applies `raw` over `base` (a re-declared rule keeps the fields it does not set). */
export function toRuleSpec(raw: RawConfigRule, file: string, base?: RuleSpec): RuleSpec {
  const regex = raw.regex ?? base?.regex;
  const keywords = raw.keywords ?? base?.keywords;
  if (regex === undefined) throw new Error(`${file}: rule "${raw.id}": field "regex": required for a new rule`);
  if (keywords === undefined || keywords.length === 0) {
    throw new Error(`${file}: rule "${raw.id}": field "keywords": at least one keyword is required for a new rule`);
  }
  const entropy = raw.entropy ?? base?.entropy;
  const path = raw.path ?? base?.path;
  // A new regex makes the old binary one stale: it is kept only while the regex is.
  const binaryRegex = raw.binaryRegex ?? (raw.regex === undefined ? base?.binaryRegex : undefined);
  const validate = raw.validate ?? base?.validate;
  return {
    id: raw.id,
    description: raw.description ?? base?.description ?? raw.id,
    regex,
    secretGroup: raw.secretGroup ?? base?.secretGroup ?? 0,
    keywords,
    ...(entropy !== undefined && { entropy }),
    ...(path !== undefined && { path }),
    ...(binaryRegex !== undefined && { binaryRegex }),
    tags: raw.tags ?? base?.tags ?? [],
    allowlists: [...(base?.allowlists ?? []), ...(raw.allowlists ?? []).map(toAllowlistSpec)],
    ...(validate !== undefined && { validate }),
    revocable: raw.revocable ?? base?.revocable ?? false,
    samples: {
      truePositives: raw.samples?.truePositives ?? base?.samples.truePositives ?? [],
      falsePositives: raw.samples?.falsePositives ?? base?.samples.falsePositives ?? [],
    },
    file: base && raw.regex === undefined ? base.file : file,
  };
}
