// Where the built-in rule files are: next to this module in the sources (rules/), and two levels
// up from the build (dist/cli/, dist/scanner/ or dist/chunks/ → rules/). rules/ imports nothing of lfk, so it finds them itself.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILTIN_RULE_FILE = 'trustleads-api-key.toml';

export function builtinRulesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [here, join(here, '..', '..', 'rules')]) {
    if (existsSync(join(candidate, BUILTIN_RULE_FILE))) return candidate;
  }
  throw new Error(`cannot find the built-in rules (${BUILTIN_RULE_FILE}) near ${here}`);
}
