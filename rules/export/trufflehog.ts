// `lfk rules export --to trufflehog`: trufflehog custom detectors (YAML). trufflehog reports the
// regex's first capture group, which is the secret group of lfk's rules.
import type { RuleSet } from '../types.js';

export function toTrufflehog(set: RuleSet): string {
  const lines = ['# lfk rules (exported by lfk rules export --to trufflehog)', 'detectors:'];
  for (const rule of set.rules) {
    lines.push(`  - name: ${quote(rule.id)}`, '    keywords:');
    for (const keyword of rule.keywords) lines.push(`      - ${quote(keyword)}`);
    lines.push('    regex:', `      key: ${quote(rule.regex)}`);
    if (rule.entropy !== undefined) lines.push(`    entropy: ${rule.entropy}`);
    const stopwords = rule.allowlists.flatMap((allowlist) => allowlist.stopwords);
    if (stopwords.length > 0) {
      lines.push('    exclude_words:');
      for (const word of stopwords) lines.push(`      - ${quote(word)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A YAML single-quoted scalar: backslashes stay as they are, quotes double. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
