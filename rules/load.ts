// Reads rule files and `.lfk.toml` into a RuleSet. Built-in files ship with lfk and are checked
// against the schema by the test suite, so they skip zod at run time (startup cost); every file a
// user gives is checked, and errors name the file, the rule and the field.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { builtinRulesDir } from './locate.js';
import { toAllowlistSpec, toRuleSpec } from './normalize.js';
import type { RawConfigFile, RawRuleFile } from './schema.js';
import type { RuleSet } from './types.js';

// gitleaks allows two levels of [extend]; more is almost surely a cycle.
const MAX_EXTEND_DEPTH = 2;

export function builtinRuleFiles(): string[] {
  const dir = builtinRulesDir();
  return readdirSync(dir)
    .filter((name) => name.endsWith('.toml'))
    .sort()
    .map((name) => join(dir, name));
}

export function loadBuiltinRuleSet(): RuleSet {
  const set: RuleSet = { rules: [], allowlists: [] };
  for (const file of builtinRuleFiles()) addRuleFile(set, readToml(file) as RawRuleFile, file);
  return set;
}

/** A rule file checked against the schema (what the tests run over the built-in files). */
export async function loadCheckedRuleFile(file: string): Promise<RuleSet> {
  const { ruleFileSchema, describeIssues } = await import('./schema.js');
  const data = readToml(file);
  const parsed = ruleFileSchema.safeParse(data);
  if (!parsed.success) throw new Error(describeIssues(file, data, parsed.error.issues));
  const set: RuleSet = { rules: [], allowlists: [] };
  addRuleFile(set, parsed.data, file);
  return set;
}

/** The built-in rules, or those of a user config (`[[rules]]`, `[[allowlists]]`, `[extend]`). */
export async function loadRuleSet(configFile?: string): Promise<RuleSet> {
  return configFile === undefined ? loadBuiltinRuleSet() : loadConfig(resolve(configFile), 0);
}

async function loadConfig(file: string, depth: number): Promise<RuleSet> {
  const { configFileSchema, describeIssues } = await import('./schema.js');
  const data = readToml(file);
  const parsed = configFileSchema.safeParse(data);
  if (!parsed.success) throw new Error(describeIssues(file, data, parsed.error.issues));
  const config: RawConfigFile = parsed.data;
  // The top config builds on the built-in rules unless it opts out; an extended file does not.
  let set: RuleSet = (config.extend?.useDefault ?? depth === 0) ? loadBuiltinRuleSet() : { rules: [], allowlists: [] };
  if (config.extend?.path !== undefined) {
    if (depth >= MAX_EXTEND_DEPTH)
      throw new Error(`${file}: field "extend.path": [extend] goes deeper than ${MAX_EXTEND_DEPTH} files`);
    const extended = await loadConfig(resolve(dirname(file), config.extend.path), depth + 1);
    set = { rules: mergeById(set.rules, extended.rules), allowlists: [...set.allowlists, ...extended.allowlists] };
  }
  const disabled = new Set(config.extend?.disabledRules ?? []);
  set.rules = set.rules.filter((rule) => !disabled.has(rule.id));
  for (const raw of config.rules ?? []) {
    const index = set.rules.findIndex((rule) => rule.id === raw.id);
    const spec = toRuleSpec(raw, file, index >= 0 ? set.rules[index] : undefined);
    if (index >= 0) set.rules[index] = spec;
    else set.rules.push(spec);
  }
  set.allowlists.push(...globalAllowlists(config.allowlists, file));
  return set;
}

function addRuleFile(set: RuleSet, raw: RawRuleFile, file: string): void {
  for (const rule of raw.rules ?? []) {
    if (set.rules.some((known) => known.id === rule.id))
      throw new Error(`${file}: rule "${rule.id}": field "id": already defined`);
    set.rules.push(toRuleSpec(rule, file));
  }
  set.allowlists.push(...globalAllowlists(raw.allowlists, file));
}

function globalAllowlists(raws: RawConfigFile['allowlists'], file: string) {
  return (raws ?? []).map((raw, index) => ({ ...toAllowlistSpec(raw), origin: `${file}: allowlists[${index}]` }));
}

function mergeById<T extends { id: string }>(base: T[], over: T[]): T[] {
  const ids = new Set(over.map((item) => item.id));
  return [...base.filter((item) => !ids.has(item.id)), ...over];
}

function readToml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read the rule file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return parse(text);
  } catch (error) {
    const { line, column, message } = error as { line?: number; column?: number; message?: string };
    const reason = String(message ?? error)
      .split('\n')[0]
      ?.replace(/^Invalid TOML document: /, '');
    const where = line === undefined ? '' : ` line ${line}, column ${column ?? 1}:`;
    throw new Error(`${file}:${where} not valid TOML: ${reason}`);
  }
}
