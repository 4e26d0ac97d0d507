import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { toGithub } from '../../rules/export/github.js';
import { toGitleaks } from '../../rules/export/gitleaks.js';
import { splitAtGroup } from '../../rules/export/regex-parts.js';
import { toTrufflehog } from '../../rules/export/trufflehog.js';
import { loadBuiltinRuleSet } from '../../rules/load.js';
import { compileRegex } from '../../rules/regex.js';
import { ruleFileSchema } from '../../rules/schema.js';
import { testKey } from '../scanner/keys.js';
import { runLfk } from '../scanner/run-lfk.js';

const set = loadBuiltinRuleSet();
const KEY = testKey('export');

describe('splitAtGroup', () => {
  it('finds the numbered capture group, skipping non-capturing groups, classes and escapes', () => {
    expect(splitAtGroup('(?:^|[^(])(a\\(b)(c)', 1)).toEqual({ before: '(?:^|[^(])', secret: 'a\\(b', after: '(c)' });
    expect(splitAtGroup('(x)(?P<name>y(z))w', 2)).toEqual({ before: '(x)', secret: 'y(z)', after: 'w' });
    expect(splitAtGroup('abc', 1)).toBeUndefined();
  });
});

describe('exports', () => {
  it('gitleaks: a TOML config in gitleaks rule shape whose regex finds the key', () => {
    const exported = parse(toGitleaks(set)) as Record<string, unknown>;
    expect(ruleFileSchema.safeParse(exported).success).toBe(true);
    const rule = (exported.rules as Array<Record<string, unknown>>)[0]!;
    expect(rule).toMatchObject({ id: 'trustleads-api-key', secretGroup: 1, keywords: ['lfk_sk_'], entropy: 3 });
    expect(rule).not.toHaveProperty('validate');
    expect(rule).not.toHaveProperty('samples');
    const match = compileRegex(String(rule.regex)).exec(`x=${KEY};`);
    expect(match?.groups[1]).toEqual([2, 2 + KEY.length]);
  });

  it('github: secret format and GitHub-style delimiters', () => {
    const { patterns } = JSON.parse(toGithub(set));
    expect(patterns).toEqual([
      {
        name: 'Trust Leads API key',
        pattern: 'lfk_sk_[0-9A-Za-z]{40}',
        start_delimiter: '\\A|[^0-9A-Za-z]',
        end_delimiter: '[^0-9A-Za-z]|\\z',
      },
    ]);
  });

  it('trufflehog: a custom detector with keyword and regex', () => {
    const yaml = toTrufflehog(set);
    expect(yaml).toContain("  - name: 'trustleads-api-key'");
    expect(yaml).toContain("      - 'lfk_sk_'");
    expect(yaml).toContain("      key: '(?:^|[^0-9A-Za-z])(lfk_sk_[0-9A-Za-z]{40})(?:[^0-9A-Za-z]|$)'");
  });
});

describe('lfk rules (CLI)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lfk-rules-cli-'));

  it('list shows the built-in rule; --json gives its fields', async () => {
    const run = await runLfk(['rules', 'list'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('trustleads-api-key: Trust Leads API key');
    const json = JSON.parse((await runLfk(['rules', 'list', '--json'], { cwd })).stdout);
    expect(json[0]).toMatchObject({ id: 'trustleads-api-key', validate: 'lfk-checksum', revocable: true });
  });

  it('export --to each format; a wrong or missing format is a usage error', async () => {
    for (const format of ['gitleaks', 'github', 'trufflehog']) {
      const run = await runLfk(['rules', 'export', '--to', format], { cwd });
      expect(run.code, format).toBe(0);
      expect(run.stdout).toContain('lfk_sk_');
    }
    expect((await runLfk(['rules', 'export', '--to', 'semgrep'], { cwd })).code).toBe(2);
    expect((await runLfk(['rules', 'export'], { cwd })).code).toBe(2);
    expect((await runLfk(['rules'], { cwd })).code).toBe(2);
  });

  it('a config with a bad rule fails listing with the file, rule and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lfk-rules-bad-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, '.lfk.toml'), `[[rules]]\nid = "r"\nregex = "a{2,1}"\nkeywords = ["a"]\n`);
    const run = await runLfk(['rules', 'list'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.lfk\.toml: rule "r": field "regex": not a valid RE2 regex/);
  });
});
