// The shape of rule files and `.lfk.toml`, checked at the edge: errors name the file, the rule and
// the field. Imported lazily: zod costs ~100 ms to load, more than a whole pre-commit scan of a
// small change.
import { z } from 'zod';

const allowlist = z.strictObject({
  description: z.string().optional(),
  condition: z.enum(['OR', 'AND']).optional(),
  regexes: z.array(z.string().min(1)).optional(),
  regexTarget: z.enum(['secret', 'match', 'line']).optional(),
  stopwords: z.array(z.string().min(1)).optional(),
  paths: z.array(z.string().min(1)).optional(),
  commits: z.array(z.string().min(1)).optional(),
});

const globalAllowlist = allowlist.extend({ targetRules: z.array(z.string()).optional() });

const ruleFields = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  description: z.string().optional(),
  regex: z.string().min(1),
  secretGroup: z.number().int().min(0).optional(),
  keywords: z.array(z.string().min(1)).min(1, 'at least one keyword is required (the regex only runs near a keyword)'),
  entropy: z.number().min(0).max(8).optional(),
  path: z.string().min(1).optional(),
  binaryRegex: z.string().min(1).optional(),
  tags: z.array(z.string()).optional(),
  allowlists: z.array(allowlist).optional(),
  validate: z.literal('lfk-checksum').optional(),
  revocable: z.boolean().optional(),
  samples: z
    .strictObject({
      truePositives: z.array(z.string()).optional(),
      falsePositives: z.array(z.string()).optional(),
    })
    .optional(),
};

const rule = z.strictObject(ruleFields);
// In `.lfk.toml` a rule may re-declare a built-in id with only the fields it changes; a new rule
// still needs regex and keywords (checked after merging, see load.ts).
const configRule = z.strictObject({
  ...ruleFields,
  regex: ruleFields.regex.optional(),
  keywords: ruleFields.keywords.optional(),
});

const fileFields = {
  title: z.string().optional(),
  minVersion: z.string().optional(),
  allowlists: z.array(globalAllowlist).optional(),
};

export const ruleFileSchema = z.strictObject({ ...fileFields, rules: z.array(rule).optional() });

export const configFileSchema = z.strictObject({
  ...fileFields,
  rules: z.array(configRule).optional(),
  extend: z
    .strictObject({
      useDefault: z.boolean().optional(),
      path: z.string().min(1).optional(),
      disabledRules: z.array(z.string()).optional(),
    })
    .optional(),
});

export type RawRuleFile = z.infer<typeof ruleFileSchema>;
export type RawConfigFile = z.infer<typeof configFileSchema>;
export type RawConfigRule = z.infer<typeof configRule>;
export type RawAllowlist = z.infer<typeof globalAllowlist>;

/** Each problem on its own line, naming the file, the rule (by id when it has one) and the field. */
export function describeIssues(file: string, data: unknown, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String);
      let where = '';
      if (path[0] === 'rules' && path.length > 1) {
        const raw = (data as { rules?: Array<{ id?: unknown }> }).rules?.[Number(path[1])];
        where = typeof raw?.id === 'string' ? `rule "${raw.id}"` : `rules[${path[1]}]`;
        path.splice(0, 2);
      }
      const field = path.length > 0 ? `field "${path.join('.')}"` : '';
      const prefix = [where, field].filter(Boolean).join(': ');
      const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
      return `${file}: ${prefix ? `${prefix}: ` : ''}${message}`;
    })
    .join('\n');
}
