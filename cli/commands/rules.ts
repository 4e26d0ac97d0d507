// `lfk rules list` and `lfk rules export --to gitleaks|github|trufflehog`.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { compileRuleSet } from '../../rules/compile.js';
import { loadRuleSet } from '../../rules/load.js';
import type { RuleSet } from '../../rules/types.js';
import { terminalSafe } from '../../scanner/report/terminal-safe.js';
import { parseCommandArgs, UsageError } from '../command.js';

const USAGE = `Usage: lfk rules list [--config FILE] [--json]
       lfk rules export --to gitleaks|github|trufflehog [--config FILE]

The rules are the built-in ones plus those of --config (default ./.lfk.toml if present).
`;

const EXPORTERS = {
  gitleaks: async (set: RuleSet) => (await import('../../rules/export/gitleaks.js')).toGitleaks(set),
  github: async (set: RuleSet) => (await import('../../rules/export/github.js')).toGithub(set),
  trufflehog: async (set: RuleSet) => (await import('../../rules/export/trufflehog.js')).toTrufflehog(set),
};

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(' (lfk rules --help)', {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      to: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (extra.length > 0 || (action !== 'list' && action !== 'export'))
    throw new UsageError(`lfk rules list | export --to FORMAT (lfk rules --help)`);
  const set = await loadRuleSet(values.config ?? (existsSync('.lfk.toml') ? '.lfk.toml' : undefined));
  // Compiling checks every regex, so a listed or exported rule set is one lfk accepts.
  compileRuleSet(set);
  if (action === 'list') {
    process.stdout.write(
      values.json
        ? `${JSON.stringify(
            set.rules.map(({ samples: _samples, ...rule }) => rule),
            null,
            2,
          )}\n`
        : listText(set),
    );
    return 0;
  }
  const format = values.to;
  if (format === undefined || !(format in EXPORTERS))
    throw new UsageError(`--to must be gitleaks, github or trufflehog${format ? `, not "${format}"` : ''}`);
  process.stdout.write(await EXPORTERS[format as keyof typeof EXPORTERS](set));
  return 0;
}

/** The rules for reading; their text comes from rule files and configs, so each line is escaped (terminal-safe.ts). */
function listText(set: RuleSet): string {
  return set.rules
    .map((rule) => {
      const traits = [rule.validate && `validate ${rule.validate}`, rule.revocable && 'revocable']
        .filter(Boolean)
        .join(', ');
      return [
        `${rule.id}: ${rule.description}`,
        `  keywords ${rule.keywords.join(', ')}${traits ? `; ${traits}` : ''}`,
        `  regex    ${rule.regex}`,
        `  from     ${relative(process.cwd(), rule.file) || rule.file}`,
      ]
        .map(terminalSafe)
        .join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
