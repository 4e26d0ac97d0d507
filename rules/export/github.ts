// `lfk rules export --to github`: the body of GitHub's bulk custom-pattern API
// (`POST /orgs/{org}/secret-scanning/custom-patterns`): secret format plus start and end
// delimiters, in Hyperscan syntax (`\A` and `\z` for the ends of the text).
import type { RuleSet } from '../types.js';
import { splitAtGroup } from './regex-parts.js';

export function toGithub(set: RuleSet): string {
  const patterns = set.rules.map((rule) => {
    const parts = splitAtGroup(rule.regex, rule.secretGroup) ?? { before: '', secret: rule.regex, after: '' };
    return {
      name: rule.description,
      pattern: parts.secret,
      ...(parts.before && { start_delimiter: delimiter(parts.before) }),
      ...(parts.after && { end_delimiter: delimiter(parts.after) }),
    };
  });
  return `${JSON.stringify({ patterns }, null, 2)}\n`;
}

/** `(?:^|[^0-9A-Za-z])` → `\A|[^0-9A-Za-z]`, GitHub's own default delimiter. */
function delimiter(part: string): string {
  const inner = /^\(\?:(.*)\)$/.exec(part)?.[1] ?? part;
  return inner
    .split('|')
    .map((alternative) => (alternative === '^' ? '\\A' : alternative === '$' ? '\\z' : alternative))
    .join('|');
}
