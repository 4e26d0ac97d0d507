// Rules as data: what the TOML files hold once read, before and after compilation.
import type { SafeRegex } from './regex.js';

export type RegexTarget = 'secret' | 'match' | 'line';

/** gitleaks' `[[rules.allowlists]]` (and global `[[allowlists]]` with `targetRules`). */
export interface AllowlistSpec {
  description?: string;
  condition: 'OR' | 'AND';
  regexes: string[];
  regexTarget: RegexTarget;
  stopwords: string[];
  paths: string[];
  commits: string[];
  /** Global allowlists only: the rules it applies to (all when empty). */
  targetRules: string[];
  /** Global allowlists only: `<file>: allowlists[<i>]`, so a bad regex names where it was written. */
  origin?: string;
}

export interface RuleSamples {
  /** Each must produce at least one finding of this rule. */
  truePositives: string[];
  /** None may produce a finding of this rule. */
  falsePositives: string[];
}

export interface RuleSpec {
  id: string;
  description: string;
  regex: string;
  /** The capture group that is the secret; 0 means the whole match. */
  secretGroup: number;
  keywords: string[];
  /** Shannon entropy the secret must exceed, when set. */
  entropy?: number;
  /** A regex on the file path the rule is limited to, when set. */
  path?: string;
  /**
   * lfk's own field (docs/scanner.md#binary-files): the regex used instead of `regex` in a binary
   * file's bytes, where a key sits against whatever bytes its neighbours are (a SQLite record's
   * type byte, the column before it), so word boundaries would miss it. Same secretGroup.
   */
  binaryRegex?: string;
  tags: string[];
  allowlists: AllowlistSpec[];
  /** Name of the validator the scanner supplies (`lfk-checksum`). */
  validate?: string;
  /** True when the key service can revoke what this rule finds. */
  revocable: boolean;
  samples: RuleSamples;
  /** The file the rule came from, for messages. */
  file: string;
}

/** Plain data: safe to send to worker threads, which compile it again. */
export interface RuleSet {
  rules: RuleSpec[];
  allowlists: AllowlistSpec[];
}

export interface CompiledAllowlist {
  spec: AllowlistSpec;
  regexes: SafeRegex[];
  paths: SafeRegex[];
  /** Lower-cased. */
  stopwords: string[];
}

export interface CompiledRule {
  spec: RuleSpec;
  regex: SafeRegex;
  /** In binary fragments, when the rule has one; else `regex`. */
  binaryRegex: SafeRegex;
  path?: SafeRegex;
  /** True for `(?i)` patterns: keywords are then matched against lower-cased text. */
  caseInsensitive: boolean;
  /** As written, or lower-cased when caseInsensitive. */
  keywords: string[];
  allowlists: CompiledAllowlist[];
}

export interface CompiledRuleSet {
  rules: CompiledRule[];
  allowlists: CompiledAllowlist[];
}
