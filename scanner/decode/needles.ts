// Finds the encoded forms of keywords (forms.ts) without decoding anything: every form holds one
// of a few anchor bytes, each anchor is one memchr pass over the bytes (Buffer.indexOf of a number),
// and only a hit is checked against the forms holding it. Anchors are chosen rare and shared (the
// `5` of `5f`, the `_` in hex and every escape of it, serves all of those at once), so a clean file
// costs four fast passes, not one per form. A single byte cannot be cut by a line wrap, so forms
// wrapped at any width (MIME, PEM) are still found: the check steps over wraps.
import { rarity } from '../keyword-bytes.js';
import { CUT, escapeAt, keywordBackward, keywordForward } from './escapes.js';
import { formsOf, type ExactForm, type EscapeForm, type Form } from './forms.js';
import { bytesHaystack, type Haystack } from './haystack.js';

export interface NeedleHit {
  form: Form;
  /** [start, end) of the form in the haystack, wraps inside it included. */
  start: number;
  end: number;
}

/** Where a form may hold an anchor: the index of that character (exact forms only). */
interface Probe {
  form: Form;
  at: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
/**
 * Indentation stepped over at a wrap (YAML block scalars indent wrapped base64); `+` counts too,
 * so that a git diff's added lines (`+` before each) show a wrapped form to the chunk check.
 */
const MAX_INDENT = 64;
const PLUS = 0x2b;
const isIndent = (code: number) => code === SPACE || code === TAB || code === PLUS;
/** A check's result: the form's [start, end), or NO, or EDGE when the haystack ended before it could tell. */
type Check = readonly [number, number] | number;
const NO = -1;
const EDGE = -2;
/** Bytes in the rarest part of the frequency order (keyword-bytes.ts) are anchors by preference. */
const RARE_ENOUGH = 60;
const NONE: number[] = [];
/** Stands for "past the haystack's edge" (and for any non-ASCII byte) in the neighbour tables. */
const EDGE_CODE = 256;

export class Needles {
  readonly anchors: number[];
  /** Per anchor: the forms holding it. */
  private readonly searches: Array<{ anchor: number; probes: Probe[] }> = [];
  /** Per anchor: which bytes may come just after and just before it in some form (1), EDGE_CODE for none. */
  private readonly follows: Uint8Array[];
  private readonly precedes: Uint8Array[];

  constructor(readonly forms: readonly Form[]) {
    this.anchors = chooseAnchors(forms);
    for (const anchor of this.anchors) {
      const probes: Probe[] = [];
      for (const form of forms) {
        if (form.kind === 'escape') {
          if (anchorOfEscape(form) === anchor) probes.push({ form, at: -1 });
        } else
          for (
            let at = form.text.indexOf(String.fromCharCode(anchor));
            at !== -1;
            at = form.text.indexOf(String.fromCharCode(anchor), at + 1)
          )
            probes.push({ form, at });
      }
      this.searches.push({ anchor, probes });
    }
    this.follows = this.searches.map((search) => neighbours(search.probes, 1));
    this.precedes = this.searches.map((search) => neighbours(search.probes, -1));
  }

  static of(keywords: readonly string[]): Needles {
    return new Needles(formsOf(keywords));
  }

  /** Every form in a whole text or file, in order of start (a form found from two anchors once). */
  hits(hay: Haystack): NeedleHit[] {
    const hits: NeedleHit[] = [];
    this.search(hay, (hit) => {
      hits.push(hit);
      return false;
    });
    // A form holding an anchor twice (hex `5f…5f`) is found twice at the same place.
    const seen = new Set<string>();
    return hits
      .filter((hit) => {
        const key = `${hit.start}:${this.forms.indexOf(hit.form)}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /**
   * Where forms start in the bytes of a whole file (as `hits`, starts only). This runs on every
   * file, so its loop reads the Buffer directly: a Haystack is only made for the few candidates.
   */
  offsetsIn(bytes: Buffer): number[] {
    let candidates: number[] | undefined;
    const { anchors, follows, precedes } = this;
    for (let i = 0; i < anchors.length; i++) {
      const anchor = anchors[i]!;
      const follow = follows[i]!;
      const precede = precedes[i]!;
      for (let p = bytes.indexOf(anchor); p !== -1; p = bytes.indexOf(anchor, p + 1)) {
        // Most anchor bytes are ordinary text: the bytes either side rule them out.
        if (follow[bytes[p + 1] ?? EDGE_CODE] === 1 && precede[bytes[p - 1] ?? EDGE_CODE] === 1)
          (candidates ??= []).push(i, p);
      }
    }
    return candidates ? this.startsAt(bytes, candidates) : NONE;
  }

  /** The forms at candidate anchors (pairs of search index and offset). */
  private startsAt(bytes: Buffer, candidates: readonly number[]): number[] {
    const hay = bytesHaystack(bytes);
    const starts = new Set<number>();
    for (let c = 0; c < candidates.length; c += 2) {
      const p = candidates[c + 1]!;
      for (const probe of this.searches[candidates[c]!]!.probes) {
        const span = check(hay, p, probe);
        if (typeof span !== 'number') starts.add(span[0]);
      }
    }
    return [...starts];
  }

  /** True when the bytes may hold a form: one cut by their edges counts, as for keywords. */
  mayHold(hay: Haystack): boolean {
    let found = false;
    this.search(hay, () => (found = true), true);
    return found;
  }

  /** Calls `onHit` for every form found until it returns true. */
  private search(hay: Haystack, onHit: (hit: NeedleHit) => boolean, edgesCount = false): void {
    for (let i = 0; i < this.searches.length; i++) {
      const { anchor, probes } = this.searches[i]!;
      const follow = this.follows[i]!;
      const precede = this.precedes[i]!;
      for (let p = hay.indexOf(anchor, 0); p !== -1; p = hay.indexOf(anchor, p + 1)) {
        if (follow[codeOrEdge(hay.at(p + 1))] !== 1 || precede[codeOrEdge(hay.at(p - 1))] !== 1) continue;
        for (const probe of probes) {
          const span = check(hay, p, probe);
          if (
            typeof span === 'number'
              ? span === EDGE && edgesCount && onHit({ form: probe.form, start: p, end: p + 1 })
              : onHit({ form: probe.form, start: span[0], end: span[1] })
          )
            return;
        }
      }
    }
  }
}

function check(hay: Haystack, p: number, probe: Probe): Check {
  return probe.form.kind === 'escape' ? matchEscape(hay, p, probe.form) : matchExact(hay, p, probe.form, probe.at);
}

/**
 * Greedy: the byte that most forms not yet covered hold (the rarer on a tie), among rare bytes
 * when the forms have any, until every form holds an anchor.
 */
function chooseAnchors(forms: readonly Form[]): number[] {
  const anchors: number[] = [];
  let left = forms.map(anchorCandidates);
  while (left.length > 0) {
    const counts = new Map<number, number>();
    for (const candidates of left) for (const code of candidates) counts.set(code, (counts.get(code) ?? 0) + 1);
    let best = -1;
    for (const [code, count] of counts) {
      const bestCount = counts.get(best) ?? 0;
      if (count > bestCount || (count === bestCount && rarity(code) > rarity(best))) best = code;
    }
    anchors.push(best);
    left = left.filter((candidates) => !candidates.has(best));
  }
  return anchors;
}

function anchorCandidates(form: Form): Set<number> {
  if (form.kind === 'escape') return new Set([anchorOfEscape(form)]);
  const codes = [...new Set([...form.text].map((char) => char.charCodeAt(0)))];
  const rare = codes.filter((code) => rarity(code) >= RARE_ENOUGH);
  return new Set(rare.length > 0 ? rare : codes);
}

/** The first hex digit of the escaped character: the same in `%5F`, `%5f`, `\x5f` and `\u005F`. */
function anchorOfEscape(form: EscapeForm): number {
  return (form.keyword.charCodeAt(form.index) >> 4).toString(16).charCodeAt(0);
}

/**
 * Which codes may sit `side` (1: after, -1: before) of the anchor in some form, a line wrap and
 * the haystack's edge included; codes 128 and up (non-ASCII) are never part of a form.
 */
function neighbours(probes: readonly Probe[], side: 1 | -1): Uint8Array {
  const codes = new Uint8Array(EDGE_CODE + 1);
  codes[EDGE_CODE] = 1;
  const allow = (chars: string) => {
    for (const char of chars) codes[char.charCodeAt(0)] = 1;
  };
  for (const { form, at } of probes) {
    if (form.kind === 'escape') {
      // After the anchor, the escape's last hex digit; before it, `%`, `\x` or `\u00`.
      if (side === 1)
        allow(
          (form.keyword.charCodeAt(form.index) & 15).toString(16) +
            (form.keyword.charCodeAt(form.index) & 15).toString(16).toUpperCase(),
        );
      else allow('%x0');
      continue;
    }
    const next = at + side;
    if (next < 0 || next >= form.text.length) {
      codes.fill(1);
      continue;
    }
    allow(form.text[next]!);
    // A line wrap (CR LF and indentation) may come between any two characters, but not inside a header.
    if (!form.magic) allow(side === 1 ? '\r\n' : ' \t\n+');
  }
  return codes;
}

function codeOrEdge(code: number): number {
  return code < 0 ? EDGE_CODE : code;
}

/** [start, end) of the exact form whose character `at` sits at `p`, stepping over line wraps. */
function matchExact(hay: Haystack, p: number, form: ExactForm, at: number): Check {
  const { text } = form;
  let q = p + 1;
  for (let k = at + 1; k < text.length; k++) {
    if (q >= hay.length) return EDGE;
    if (hay.at(q) !== text.charCodeAt(k)) {
      q = wrapForward(hay, q);
      if (q < 0) return q;
      if (hay.at(q) !== text.charCodeAt(k)) return NO;
    }
    q++;
  }
  const end = q;
  q = p - 1;
  for (let k = at - 1; k >= 0; k--) {
    if (q < 0) return EDGE;
    if (hay.at(q) !== text.charCodeAt(k)) {
      q = wrapBackward(hay, q);
      if (q < 0) return q;
      if (hay.at(q) !== text.charCodeAt(k)) return NO;
    }
    q--;
  }
  return [q + 1, end];
}

/** Just past the line wrap (CR? LF, indentation) at `q`; NO when there is none, EDGE at the end. */
function wrapForward(hay: Haystack, q: number): number {
  let r = q;
  if (hay.at(r) === CR) r++;
  if (hay.at(r) !== LF) return r >= hay.length ? EDGE : NO;
  r++;
  while (isIndent(hay.at(r)) && r - q <= MAX_INDENT) r++;
  return r >= hay.length ? EDGE : r;
}

/** The last character before the line wrap that ends at `q` (going backwards); NO or EDGE. */
function wrapBackward(hay: Haystack, q: number): number {
  let r = q;
  while (isIndent(hay.at(r)) && q - r <= MAX_INDENT) r--;
  if (hay.at(r) !== LF) return r < 0 ? EDGE : NO;
  r--;
  if (hay.at(r) === CR) r--;
  return r < 0 ? EDGE : r;
}

/** [start, end) of the keyword around an escape of keyword[index] whose anchor digit sits at `p`. */
function matchEscape(hay: Haystack, p: number, form: EscapeForm): Check {
  const code = form.keyword.charCodeAt(form.index);
  let edge = false;
  // The anchor is the escape's first significant hex digit: 1 after `%`, 2 after `\x`, 4 after `\u`.
  for (const before of [1, 2, 4]) {
    const start = p - before;
    const found = escapeAt(hay, start);
    if (found?.code !== code || found.length !== before + 2) {
      if (start < 0 || start + before + 2 > hay.length) edge = true;
      continue;
    }
    const end = keywordForward(hay, start + found.length, form.keyword, form.index + 1);
    const first = end < 0 ? end : keywordBackward(hay, start, form.keyword, form.index);
    if (first >= 0) return [first, end];
    if (first === CUT) edge = true;
  }
  return edge ? EDGE : NO;
}
