import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../rules/compile.js';
import { loadRuleSet } from '../../rules/load.js';
import { detectorFor } from '../../scanner/validators.js';

const dir = mkdtempSync(join(tmpdir(), 'lfk-rules-'));
function config(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
async function loadError(file: string): Promise<string> {
  try {
    compileRuleSet(await loadRuleSet(file));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('.lfk.toml', () => {
  it('adds user rules to the built-in ones', async () => {
    const file = config(
      'add.toml',
      `[[rules]]\nid = "acme-token"\nregex = '''acme_[a-f0-9]{8}'''\nkeywords = ["acme_"]\n`,
    );
    const set = await loadRuleSet(file);
    expect(set.rules.map((r) => r.id)).toEqual(['trustleads-api-key', 'acme-token']);
    const findings = detectorFor(set).detect({ text: 'x = acme_deadbeef', file: 'a' });
    expect(findings.map((f) => [f.ruleId, f.secret, f.column])).toEqual([['acme-token', 'acme_deadbeef', 5]]);
  });

  it('[extend] useDefault = false, disabledRules and a re-declared built-in id', async () => {
    expect((await loadRuleSet(config('nodefault.toml', '[extend]\nuseDefault = false\n'))).rules).toEqual([]);
    const disabled = await loadRuleSet(config('disabled.toml', '[extend]\ndisabledRules = ["trustleads-api-key"]\n'));
    expect(disabled.rules).toEqual([]);
    const redeclared = await loadRuleSet(
      config('redeclare.toml', '[[rules]]\nid = "trustleads-api-key"\n[[rules.allowlists]]\nstopwords = ["zzz"]\n'),
    );
    expect(redeclared.rules[0]?.regex).toContain('lfk_sk_');
    expect(redeclared.rules[0]?.allowlists.map((a) => a.stopwords)).toEqual([['zzz']]);
  });

  it('[extend] path loads another file relative to the config', async () => {
    config('base.toml', `[[rules]]\nid = "base-rule"\nregex = 'base_[0-9]{4}'\nkeywords = ["base_"]\n`);
    const set = await loadRuleSet(config('top.toml', '[extend]\npath = "base.toml"\n'));
    expect(set.rules.map((r) => r.id)).toEqual(['trustleads-api-key', 'base-rule']);
  });

  it('global allowlists apply to their target rules', async () => {
    const file = config('allow.toml', `[[allowlists]]\nregexTarget = "line"\nregexes = ['''EXAMPLE''']\n`);
    const { testKey } = await import('../scanner/keys.js');
    const detector = detectorFor(await loadRuleSet(file));
    const key = testKey('allow');
    expect(detector.detect({ text: `EXAMPLE=${key}\nreal=${key}`, file: 'a' }).map((f) => f.line)).toEqual([2]);
  });
});

describe('invalid rules: the message names file, rule and field', () => {
  it('a bad regex', async () => {
    const file = config('bad.toml', `[[rules]]\nid = "broken"\nregex = 'abc(['\nkeywords = ["abc"]\n`);
    const message = await loadError(file);
    expect(message).toContain(file);
    expect(message).toContain('rule "broken"');
    expect(message).toContain('field "regex"');
    expect(message).toContain('not a valid RE2 regex');
  });

  it('look-ahead, which RE2 does not support', async () => {
    const file = config('look.toml', `[[rules]]\nid = "lookahead"\nregex = 'key_(?=[a-z]+)'\nkeywords = ["key_"]\n`);
    expect(await loadError(file)).toMatch(/rule "lookahead": field "regex": not a valid RE2 regex/);
  });

  it('a new rule without keywords', async () => {
    const file = config('nokw.toml', `[[rules]]\nid = "nokw"\nregex = 'abc'\n`);
    expect(await loadError(file)).toMatch(/rule "nokw": field "keywords": at least one keyword/);
    const empty = config('emptykw.toml', `[[rules]]\nid = "emptykw"\nregex = 'abc'\nkeywords = []\n`);
    expect(await loadError(empty)).toMatch(/rule "emptykw": field "keywords": .*at least one keyword/);
  });

  it('a wrong type, an unknown field and a secretGroup the regex lacks', async () => {
    const typed = config('type.toml', `[[rules]]\nid = "typed"\nregex = 'a(b)'\nkeywords = ["a"]\nentropy = "high"\n`);
    expect(await loadError(typed)).toMatch(/rule "typed": field "entropy": /);
    const unknown = config('unknown.toml', `[[rules]]\nid = "unk"\nregex = 'a'\nkeywords = ["a"]\nsecretgroup = 1\n`);
    expect(await loadError(unknown)).toMatch(/rule "unk": unknown field\(s\) secretgroup/);
    const group = config('group.toml', `[[rules]]\nid = "grp"\nregex = 'a(b)'\nkeywords = ["a"]\nsecretGroup = 2\n`);
    expect(await loadError(group)).toMatch(/rule "grp": field "secretGroup": 2 but the regex has 1 capture group/);
    const binary = config(
      'binary.toml',
      `[[rules]]\nid = "bin"\nregex = 'x(ab)x'\nbinaryRegex = 'ab'\nkeywords = ["ab"]\nsecretGroup = 1\n`,
    );
    expect(await loadError(binary)).toMatch(
      /rule "bin": field "binaryRegex": secretGroup is 1 but binaryRegex has 0 capture group/,
    );
    const badBinary = config(
      'badbinary.toml',
      `[[rules]]\nid = "bad"\nregex = 'ab'\nbinaryRegex = '(ab'\nkeywords = ["ab"]\n`,
    );
    expect(await loadError(badBinary)).toMatch(/rule "bad": field "binaryRegex": /);
  });

  it('malformed TOML names the file and the line', async () => {
    const file = config('malformed.toml', '[[rules]\nid = "x"\n');
    const message = await loadError(file);
    expect(message).toContain(file);
    expect(message).toMatch(/not valid TOML/);
    expect(message).toMatch(/line 1/i);
  });

  it('a missing config file', async () => {
    expect(await loadError(join(dir, 'nope.toml'))).toMatch(/nope\.toml: cannot read the rule file \(ENOENT\)/);
  });
});
