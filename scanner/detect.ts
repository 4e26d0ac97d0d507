// The detector: text in, findings out, no I/O. Keywords are looked for first (indexOf); a rule's
// regex runs only on a window around each keyword hit, so a 20 MB minified line costs a keyword
// search plus a few small regex runs, not a regex pass over 20 MB.
import { sha256Hex } from '../platform/key-format.js';
import { compileLineRegex, compileRegex, type RegexMatch, type SafeRegex } from '../rules/regex.js';
import type { CompiledAllowlist, CompiledRule, CompiledRuleSet } from '../rules/types.js';
import { shannonEntropy } from './entropy.js';
import { KeywordBytes } from './keyword-bytes.js';
import { LineCursor } from './line-cursor.js';
import type { CommitInfo, Finding, Fragment } from './types.js';

/** Characters of context on each side of a keyword hit that the regex sees (trufflehog uses 512). */
export const WINDOW_SPAN = 512;
export const INLINE_ALLOW = 'lfk:allow';

export type Validator = (secret: string) => boolean;

export interface DetectorOptions {
  /** Validators by the name rules give in `validate`. */
  validators: Record<string, Validator>;
  /** Also return shape matches that fail validation (checksum "invalid"). */
  reportInvalid?: boolean;
}

export interface Detector {
  /** True when a global path allowlist covers the file: it is not read at all. */
  skipsPath(file: string): boolean;
  /** `skipsPath` for many files at once (one regex run over all of them), in their order. */
  skipsPaths(files: readonly string[]): boolean[];
  /**
   * False when UTF-8 bytes cannot hold any keyword, so a clean file never needs decoding. Always
   * true with case-insensitive rules (their keywords may appear in any case).
   */
  bytesMayMatch(bytes: Buffer): boolean;
  /**
   * Where keywords start in the bytes of a whole UTF-8 file: empty when there is none, undefined
   * when bytes cannot tell (case-insensitive rules).
   */
  keywordOffsets(bytes: Buffer): number[] | undefined;
  /** Longest keyword in bytes: byte checks overlap chunks by this much minus one. */
  readonly maxKeywordBytes: number;
  detect(fragment: Fragment): Finding[];
}

interface Candidate {
  rule: CompiledRule;
  /** Offsets of the secret and of the whole match in the fragment text. */
  start: number;
  end: number;
  matchStart: number;
  matchEnd: number;
}

export function createDetector(ruleSet: CompiledRuleSet, options: DetectorOptions): Detector {
  for (const rule of ruleSet.rules) {
    const name = rule.spec.validate;
    if (name !== undefined && !options.validators[name]) {
      throw new Error(`${rule.spec.file}: rule "${rule.spec.id}": field "validate": unknown validator "${name}"`);
    }
  }
  const keywordBytes = [...new Set(ruleSet.rules.flatMap((rule) => rule.keywords))].map(
    (word) => new KeywordBytes(Buffer.from(word, 'utf8')),
  );
  const anyCaseInsensitive = ruleSet.rules.some((rule) => rule.caseInsensitive);
  // One regex for all of them: a path test costs about the same whatever the pattern, and it runs per file.
  const skipSources = ruleSet.allowlists.filter(isPathOnly).flatMap((list) => list.spec.paths);
  const skipPath =
    skipSources.length > 0 ? compileRegex(skipSources.map((source) => `(?:${source})`).join('|')) : undefined;
  const skipPaths = skipPath && pathsMatcher(skipPath, skipSources);

  return {
    maxKeywordBytes: Math.max(0, ...keywordBytes.map((keyword) => keyword.word.length)),
    skipsPath: (file) => skipPath?.test(file) ?? false,
    skipsPaths: (files) => (skipPaths ? skipPaths(files) : files.map(() => false)),
    bytesMayMatch: (bytes) => anyCaseInsensitive || keywordBytes.some((keyword) => keyword.in(bytes)),
    keywordOffsets: (bytes) => {
      if (anyCaseInsensitive) return undefined;
      const offsets: number[] = [];
      for (const keyword of keywordBytes) keyword.addOffsets(bytes, offsets);
      return offsets;
    },
    detect: (fragment) => detectIn(fragment, ruleSet, options),
  };
}

/**
 * Path allowlists for a batch of files in one regex run: the paths are joined by newlines and
 * searched line by line (multi-line `^`/`$`); every path a match touches is then tested alone, so
 * a match spanning two lines cannot skip a file wrongly, and every path that matches alone is
 * touched by some match. Patterns anchored to the whole text (`\A`, `\z`) are tested per path.
 */
function pathsMatcher(single: SafeRegex, sources: readonly string[]): (files: readonly string[]) => boolean[] {
  const perPath = (files: readonly string[]) => files.map((file) => single.test(file));
  if (sources.some((source) => /\\[Az]/.test(source))) return perPath;
  const lines = compileLineRegex(sources.map((source) => `(?:${source})`).join('|'));
  return (files) => {
    if (files.length < 4 || files.some((file) => file.includes('\n'))) return perPath(files);
    const skipped = files.map(() => false);
    const starts: number[] = [];
    let offset = 0;
    for (const file of files) {
      starts.push(offset);
      offset += file.length + 1;
    }
    for (const [from, to] of lines.matchSpans(files.join('\n'))) {
      for (let line = lineAt(starts, from); line < files.length && starts[line]! <= to; line++) {
        if (!skipped[line]) skipped[line] = single.test(files[line]!);
      }
    }
    return skipped;
  };
}

/** Index of the line holding `offset`, given each line's start. */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

function detectIn(fragment: Fragment, ruleSet: CompiledRuleSet, options: DetectorOptions): Finding[] {
  const { text, file } = fragment;
  const ownFrom = fragment.ownFrom ?? 0;
  const ownTo = fragment.ownTo ?? text.length;
  let lower: string | undefined;
  const candidates: Candidate[] = [];
  for (const rule of ruleSet.rules) {
    if (rule.path && !rule.path.test(file)) continue;
    let windows: Array<readonly [number, number]>;
    if (!rule.caseInsensitive) windows = keywordWindows(text, rule.keywords);
    else {
      lower ??= text.toLowerCase();
      // Lower-casing a few characters changes the length; offsets then no longer line up, so the
      // regex gets the whole fragment (still only when a keyword is present).
      if (lower.length === text.length) windows = keywordWindows(lower, rule.keywords);
      else windows = rule.keywords.some((word) => lower?.includes(word)) ? [[0, text.length]] : [];
    }
    for (const [from, to] of windows) {
      // A window edge inside the text is artificial, and so is a text edge that cuts the scanned text.
      const edges = {
        before: from > 0 || fragment.cutBefore === true,
        after: to < text.length || fragment.cutAfter === true,
      };
      for (const found of matchesIn(rule, fragment.binary ? rule.binaryRegex : rule.regex, text, from, to, edges)) {
        if (found.start >= ownFrom && found.start < ownTo) candidates.push(found);
      }
    }
  }
  candidates.sort((a, b) => a.start - b.start);
  const cursor = new LineCursor(text, fragment.startLine ?? 1, fragment.startColumn ?? 1);
  const { origin } = fragment;
  // Decoded text answers for its stored line: that is the line allowlists and `lfk:allow` see.
  const lines = origin ? undefined : new LineText(text);
  const lineOf = (offset: number) => (lines ? lines.around(offset) : origin!.storedLine);
  const findings: Finding[] = [];
  for (const candidate of candidates) {
    const { rule } = candidate;
    const secret = text.slice(candidate.start, candidate.end);
    if (rule.spec.entropy !== undefined && shannonEntropy(secret) <= rule.spec.entropy) continue;
    const allowlists = [...rule.allowlists, ...ruleSet.allowlists.filter((list) => targets(list, rule))];
    const subject: AllowSubject = {
      secret,
      match: () => text.slice(candidate.matchStart, candidate.matchEnd),
      line: () => lineOf(candidate.start),
      file,
      commit: fragment.commit,
    };
    if (allowlists.some((list) => allows(list, subject))) continue;
    if ((lines?.mayHaveInlineAllow() ?? true) && lineOf(candidate.start).includes(INLINE_ALLOW)) continue;
    const validator = rule.spec.validate === undefined ? undefined : options.validators[rule.spec.validate];
    const checksum = !validator || validator(secret) ? 'valid' : 'invalid';
    if (checksum === 'invalid' && !options.reportInvalid) continue;
    findings.push({
      ruleId: rule.spec.id,
      file,
      ...(origin
        ? { line: origin.line, column: origin.column, endLine: origin.endLine, endColumn: origin.endColumn }
        : placeOf(cursor, candidate.start, secret)),
      secret,
      fingerprint: fingerprintOf(rule.spec.id, secret),
      checksum,
      ...(origin && { decoded: [...origin.decoded] }),
      ...(fragment.commit && { commit: fragment.commit }),
      ...(fragment.binary && { binary: true }),
    });
  }
  return findings;
}

/** Where a secret found at `offset` starts and ends in the text's own lines and columns. */
function placeOf(
  cursor: LineCursor,
  offset: number,
  secret: string,
): Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'> {
  const { line, column } = cursor.at(offset);
  const lastNewline = secret.lastIndexOf('\n');
  return {
    line,
    column,
    endLine: line + countNewlines(secret),
    endColumn: lastNewline === -1 ? column + secret.length : secret.length - lastNewline,
  };
}

export function fingerprintOf(ruleId: string, secret: string): string {
  return `${ruleId}:${sha256Hex(secret).slice(0, 16)}`;
}

/** Merged [from, to) windows of WINDOW_SPAN characters around every keyword hit. */
function keywordWindows(haystack: string, keywords: readonly string[]): Array<readonly [number, number]> {
  const spans: Array<[number, number]> = [];
  for (const keyword of keywords) {
    for (let hit = haystack.indexOf(keyword); hit !== -1; hit = haystack.indexOf(keyword, hit + 1)) {
      spans.push([Math.max(0, hit - WINDOW_SPAN), Math.min(haystack.length, hit + keyword.length + WINDOW_SPAN)]);
    }
  }
  if (keywords.length > 1) spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}

/** Which edges of a searched window are artificial: the text goes on past them. */
interface CutEdges {
  before: boolean;
  after: boolean;
}

/**
 * The matches of a rule in text[from, to) that the whole text would also give there. A match
 * touching an artificial edge is not one: the boundary it took there (`^`, `\A`, `\b`, `$`, `\z`)
 * may be false, and a greedy part may go on past it. Any other match sees exactly the characters
 * the whole text shows around it, so it matches there too.
 */
function* matchesIn(
  rule: CompiledRule,
  regex: SafeRegex,
  text: string,
  from: number,
  to: number,
  cut: CutEdges,
): Generator<Candidate> {
  const window = from === 0 && to === text.length ? text : text.slice(from, to);
  for (let next = 0; next <= window.length; ) {
    const match = regex.exec(window, next);
    if (!match) return;
    // The whole text may match from here past the edge, or match earlier and run past it, and
    // where its search then resumes is unknown, so no later match here can be vouched for. Stopping
    // also keeps this linear: going on would search to the edge again from every later start
    // (`(a)a*$` on a cut line of a: a full search per character).
    if (match.end === window.length && cut.after) return;
    const [start, end] = secretSpan(match, rule.spec.secretGroup);
    // Resume at the secret's end, not the match's: a boundary character may start the next match.
    next = Math.max(end, match.start + 1);
    if (match.start === 0 && cut.before) continue;
    if (end > start)
      yield { rule, start: from + start, end: from + end, matchStart: from + match.start, matchEnd: from + match.end };
  }
}

function secretSpan(match: RegexMatch, group: number): readonly [number, number] {
  return (group > 0 ? match.groups[group] : undefined) ?? [match.start, match.end];
}

interface AllowSubject {
  secret: string;
  match: () => string;
  line: () => string;
  file: string;
  commit: CommitInfo | undefined;
}

function allows(list: CompiledAllowlist, subject: AllowSubject): boolean {
  const checks: boolean[] = [];
  if (list.spec.commits.length > 0)
    checks.push(subject.commit !== undefined && list.spec.commits.includes(subject.commit.commit));
  if (list.paths.length > 0) checks.push(list.paths.some((path) => path.test(subject.file)));
  if (list.regexes.length > 0) {
    const target =
      list.spec.regexTarget === 'secret'
        ? subject.secret
        : list.spec.regexTarget === 'match'
          ? subject.match()
          : subject.line();
    checks.push(list.regexes.some((regex) => regex.test(target)));
  }
  if (list.stopwords.length > 0) {
    const secret = subject.secret.toLowerCase();
    checks.push(list.stopwords.some((word) => secret.includes(word)));
  }
  if (checks.length === 0) return false;
  return list.spec.condition === 'AND' ? checks.every(Boolean) : checks.some(Boolean);
}

function targets(list: CompiledAllowlist, rule: CompiledRule): boolean {
  return list.spec.targetRules.length === 0 || list.spec.targetRules.includes(rule.spec.id);
}

/** A global allowlist whose path match alone allows everything in the file: the file is not read. */
function isPathOnly(list: CompiledAllowlist): boolean {
  const { spec } = list;
  return (
    spec.targetRules.length === 0 &&
    list.paths.length > 0 &&
    (spec.condition === 'OR' || (list.regexes.length === 0 && list.stopwords.length === 0 && spec.commits.length === 0))
  );
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** The line around an offset, with the last one cached (many hits often share a long line). */
class LineText {
  private start = -1;
  private end = -1;
  private inlineAllow: boolean | undefined;

  constructor(private readonly text: string) {}

  mayHaveInlineAllow(): boolean {
    this.inlineAllow ??= this.text.includes(INLINE_ALLOW);
    return this.inlineAllow;
  }

  around(offset: number): string {
    if (offset < this.start || offset > this.end) {
      this.start = this.text.lastIndexOf('\n', offset - 1) + 1;
      const end = this.text.indexOf('\n', offset);
      this.end = end === -1 ? this.text.length : end;
    }
    return this.text.slice(this.start, this.end);
  }
}
