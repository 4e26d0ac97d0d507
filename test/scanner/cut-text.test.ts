// A fragment is often a cut of a bigger text (a 1 MiB read of a long line, a window of lines): its
// edges are no edges of the file, so `$`, `^`, `\b` and greedy matches must not end or start there.
// The user's report: `(a+)+$` on a 1 MiB line of `a` followed by `!` found a match ending at the
// 1 MiB mark, where the whole file has none (`$` without multi-line only matches after the `!`).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../rules/load.js';
import type { RuleSet } from '../../rules/types.js';
import { scanPaths, scanStream } from '../../scanner/scan.js';
import { CHUNK_BYTES, fileFragments } from '../../scanner/sources/file-fragments.js';
import { LONG_LINE_BYTES, PatchParser } from '../../scanner/sources/git-patch.js';
import type { Finding, Fragment } from '../../scanner/types.js';
import { detectorFor } from '../../scanner/validators.js';
import { runLfk } from './run-lfk.js';

const dir = mkdtempSync(join(tmpdir(), 'lfk-cut-'));

async function rules(
  name: string,
  regex: string,
  keyword: string,
  secretGroup = 0,
): Promise<{ file: string; ruleSet: RuleSet }> {
  const file = join(dir, `${name}.toml`);
  writeFileSync(
    file,
    `[extend]\nuseDefault = false\n[[rules]]\nid = "${name}"\nregex = '''${regex}'''\nsecretGroup = ${secretGroup}\nkeywords = ["${keyword}"]\n`,
  );
  return { file, ruleSet: await loadRuleSet(file) };
}

const TAIL_ANCHORED = await rules('tail-anchored', '(a+)+$', 'a');
// The same match, with a one-character secret: every later start is a match up to the cut too.
const ONE_CHAR_SECRET = await rules('one-char-secret', '(a)a*$', 'a', 1);
const BIG = 'a'.repeat(CHUNK_BYTES);
const bigFile = join(dir, 'big.txt');
writeFileSync(bigFile, `${BIG}!`);

const spans = (findings: Finding[]) => findings.map((f) => [f.ruleId, f.line, f.column, f.endColumn]);

describe('cut text: the user report, (a+)+$ on 1 MiB of a then !', () => {
  it('the whole text has no match, and neither has the file read in 1 MiB reads', () => {
    const detector = detectorFor(TAIL_ANCHORED.ruleSet);
    expect(detector.detect({ text: `${BIG}!`, file: 'big.txt' })).toEqual([]);
    const fragments = [...fileFragments({ path: bigFile, file: 'big.txt' }, detector, { maxFileSize: 0 })];
    // The first fragment stops at the 1 MiB read, inside the line: it says so.
    expect(fragments.map((f) => [f.text.length, f.cutBefore, f.cutAfter])).toEqual([
      [CHUNK_BYTES, false, true],
      [8193, true, false],
    ]);
    expect(fragments.flatMap((f) => detector.detect(f))).toEqual([]);
  });

  it('through scanPaths and standard input: no finding; a real end of text still matches', async () => {
    const options = {
      cwd: dir,
      ruleSet: TAIL_ANCHORED.ruleSet,
      reportInvalid: false,
      gitignore: false,
      maxFileSize: 0,
    };
    expect((await scanPaths([bigFile], options)).findings).toEqual([]);
    async function* pieces(text: string) {
      for (let at = 0; at < text.length; at += 65_536) yield Buffer.from(text.slice(at, at + 65_536));
    }
    expect((await scanStream(pieces(`${BIG}!`), options)).findings).toEqual([]);
    // Control: the rule works where the text really ends.
    const ending = join(dir, 'ending.txt');
    writeFileSync(ending, `${BIG}!\naaa`);
    expect(spans((await scanPaths([ending], options)).findings)).toEqual([['tail-anchored', 2, 1, 4]]);
    expect(spans((await scanStream(pieces(`${BIG}!\naaa`), options)).findings)).toEqual([['tail-anchored', 2, 1, 4]]);
  });

  it('a one-character secret does not make the search quadratic (it took over 10 minutes)', () => {
    const detector = detectorFor(ONE_CHAR_SECRET.ruleSet);
    const started = performance.now();
    const findings = [...fileFragments({ path: bigFile, file: 'big.txt' }, detector, { maxFileSize: 0 })].flatMap((f) =>
      detector.detect(f),
    );
    expect(findings).toEqual([]);
    // About 0.1 s: one search to the cut, not one per character before it.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('an added line over the long-line limit in a git patch, streamed in pieces', () => {
    const detector = detectorFor(TAIL_ANCHORED.ruleSet);
    const findings: Finding[] = [];
    const parser = new PatchParser(detector, {
      maxFileSize: 0,
      onFragment: (f) => findings.push(...detector.detect(f)),
    });
    const patch = Buffer.from(
      `diff --git a/l b/l\n--- a/l\n+++ b/l\n@@ -0,0 +1,2 @@\n+${'a'.repeat(2 * LONG_LINE_BYTES)}!\n+x aaa\n`,
    );
    // In pieces, as git's output comes: the long line then spans pieces and is streamed.
    for (let at = 0; at < patch.length; at += 65_536) parser.push(patch.subarray(at, at + 65_536));
    parser.end();
    // Each added line is a text of its own: the long one has no match, the short one ends in one.
    expect(spans(findings)).toEqual([['tail-anchored', 2, 3, 6]]);
  });
});

describe('cut text: the detector takes no boundary at a cut edge', () => {
  const detectorOf = async (name: string, regex: string) => detectorFor((await rules(name, regex, 'acme_')).ruleSet);
  const found = (detector: ReturnType<typeof detectorFor>, fragment: Partial<Fragment> & { text: string }) =>
    detector.detect({ file: 'f', ...fragment }).map((f) => f.secret);

  /** Each anchored regex finds acme_1234 in `text`, not once the text is cut on its anchor's side, still when cut on the other. */
  async function expectAnchorNotAtCut(name: string, regexes: string[], text: string, anchorSide: 'before' | 'after') {
    const [atAnchor, atOther] =
      anchorSide === 'before' ? (['cutBefore', 'cutAfter'] as const) : (['cutAfter', 'cutBefore'] as const);
    for (const regex of regexes) {
      const detector = await detectorOf(name, regex);
      expect(found(detector, { text })).toEqual(['acme_1234']);
      expect(found(detector, { text, [atAnchor]: true })).toEqual([]);
      expect(found(detector, { text, [atOther]: true })).toEqual(['acme_1234']);
    }
  }

  it('^ and \\A: not at a text that starts inside the file', async () => {
    await expectAnchorNotAtCut('start', ['^acme_[0-9]{4}', '\\Aacme_[0-9]{4}'], 'acme_1234 tail', 'before');
  });

  it('$ and \\z: not at a text that stops inside the file', async () => {
    await expectAnchorNotAtCut('end', ['acme_[0-9]{4}$', 'acme_[0-9]{4}\\z'], 'head acme_1234', 'after');
  });

  it('\\b and greedy matches: not at either cut edge, still inside', async () => {
    const detector = await detectorOf('word', '\\bacme_[0-9]+\\b');
    const text = 'acme_1 acme_22 acme_333';
    expect(found(detector, { text })).toEqual(['acme_1', 'acme_22', 'acme_333']);
    expect(found(detector, { text, cutBefore: true, cutAfter: true })).toEqual(['acme_22']);
  });
});

describe('cut text: lfk scan with a custom rule file (built CLI)', () => {
  it('(a+)+$ on 1 MiB of a then !: nothing found; the same rule on a real end: found', async () => {
    const clean = await runLfk(['scan', '--config', TAIL_ANCHORED.file, '--format', 'json', 'big.txt'], { cwd: dir });
    expect(clean.stderr).toBe('');
    expect(JSON.parse(clean.stdout).findings).toEqual([]);
    expect(clean.code).toBe(0);
    const ending = await runLfk(['scan', '--config', TAIL_ANCHORED.file, '--format', 'json', '-'], {
      cwd: dir,
      input: `${BIG}!\naaa`,
    });
    expect(
      JSON.parse(ending.stdout).findings.map((f: { rule_id: string; line: number; column: number }) => [
        f.rule_id,
        f.line,
        f.column,
      ]),
    ).toEqual([['tail-anchored', 2, 1]]);
    expect(ending.code).toBe(1);
  });
});
