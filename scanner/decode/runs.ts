// The encoded run around a needle hit: the stretch of text that decodes as one, wrapped lines
// included. A run goes on over a line end only as MIME and PEM wrap: after a line at least
// MIN_WRAP long, onto a line of encoded characters with the same indentation and no longer than
// the one before (wrapped lines are equal but the last, which may end in a closing quote).
// Padding ends a run.
import { escapeRun } from './escapes.js';
import type { RunKind } from './forms.js';
import type { Haystack } from './haystack.js';
import type { NeedleHit } from './needles.js';

/** A run goes no further than this either side of its hit (a decoded run stays bounded). */
export const RUN_REACH = 256 << 10;
const MIN_WRAP = 16;
const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;

export interface Run {
  kind: RunKind;
  /** [start, end) in the haystack, wraps and indentation included. */
  start: number;
  end: number;
  /** The characters that count (base64 runs: standard or URL-safe). */
  isChar: (code: number) => boolean;
}

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
const isLetter = (code: number) => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
const isStandard = (code: number) => isDigit(code) || isLetter(code) || code === 0x2b || code === 0x2f;
const isUrlSafe = (code: number) => isDigit(code) || isLetter(code) || code === 0x2d || code === 0x5f;
export const isHexChar = (code: number) => isDigit(code) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);

export function runAround(hay: Haystack, hit: NeedleHit): Run {
  const floor = Math.max(0, hit.start - RUN_REACH);
  const ceiling = Math.min(hay.length, hit.end + RUN_REACH);
  const { kind } = hit.form;
  if (kind === 'escape') {
    const [start, end] = escapeRun(hay, hit.start, hit.end, RUN_REACH);
    return { kind, start, end, isChar: () => false };
  }
  if (kind === 'hex') return { kind, ...alphabetRun(hay, hit, isHexChar, false, floor, ceiling), isChar: isHexChar };
  // The standard alphabet unless the text around uses the URL-safe one (`-`, `_` next to the run).
  const standard = alphabetRun(hay, hit, isStandard, true, floor, ceiling);
  const next = (at: number) => hay.at(at) === 0x2d || hay.at(at) === 0x5f;
  if (next(standard.start - 1) || next(standard.end)) {
    const urlSafe = alphabetRun(hay, hit, isUrlSafe, true, floor, ceiling);
    if (urlSafe.end - urlSafe.start > standard.end - standard.start) return { kind, ...urlSafe, isChar: isUrlSafe };
  }
  return { kind, ...standard, isChar: isStandard };
}

interface Line {
  /** Where the line's content starts (after indentation) and ends (before CR LF). */
  content: number;
  end: number;
  indent: number;
}

function alphabetRun(
  hay: Haystack,
  hit: NeedleHit,
  isChar: (code: number) => boolean,
  padded: boolean,
  floor: number,
  ceiling: number,
): { start: number; end: number } {
  // The hit may span a wrap: its first and last characters' segments bound the run so far.
  let start = hit.start;
  while (start > floor && isChar(hay.at(start - 1))) start--;
  let end = hit.end;
  while (end < ceiling && isChar(hay.at(end))) end++;
  let line = lineAt(hay, start, floor);
  const firstMidLine = start > line.content;
  const segment = lastSegment(hay, start, end, isChar);
  let indent = lineAt(hay, segment, floor).indent;
  // Backwards, over whole lines of the alphabet and one partial line (`data: AAAA…`).
  if (!firstMidLine) {
    let length = end - start > 0 && segment === start ? end - start : segmentLength(hay, start, isChar, ceiling);
    for (;;) {
      const lineEnd = line.content - line.indent - 1;
      if (lineEnd <= floor || hay.at(lineEnd) !== LF) break;
      const before = hay.at(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
      let tail = before;
      while (tail > floor && isChar(hay.at(tail - 1))) tail--;
      if (before - tail < Math.max(MIN_WRAP, length)) break;
      const previous = lineAt(hay, tail, floor);
      if (tail > previous.content) {
        start = tail;
        break;
      }
      if (previous.indent !== line.indent) break;
      start = tail;
      line = previous;
      length = before - tail;
    }
  }
  // Forwards, over whole lines no longer than the one before.
  let length = end - segment;
  let midLine = firstMidLine && segment === start;
  for (;;) {
    if (padded && hay.at(end) === EQUALS) {
      end++;
      if (hay.at(end) === EQUALS) end++;
      break;
    }
    if (length < MIN_WRAP) break;
    let next = end;
    if (hay.at(next) === CR) next++;
    if (hay.at(next) !== LF) break;
    const following = lineFrom(hay, next + 1, ceiling);
    if (following.indent !== indent && !midLine) break;
    let last = following.content;
    while (last < following.end && isChar(hay.at(last))) last++;
    const body = last - following.content;
    let padding = 0;
    while (padded && padding < 2 && hay.at(last + padding) === EQUALS) padding++;
    // The last line of a wrapped block may end in a closing quote or bracket; after a value that
    // began mid-line (`key: AAAA…`) only a line of nothing but the encoding goes on.
    const whole = last + padding === following.end;
    if (body === 0 || (!whole && midLine) || (body > length && !midLine)) break;
    end = last + padding;
    length = body;
    indent = following.indent;
    midLine = false;
    if (padding > 0 || !whole) break;
  }
  return { start, end };
}

/** The line holding `at`: where its content starts (past indentation) and its indentation. */
function lineAt(hay: Haystack, at: number, floor: number): Line {
  let lineStart = at;
  while (lineStart > floor && hay.at(lineStart - 1) !== LF) lineStart--;
  let content = lineStart;
  while (content < at && (hay.at(content) === 0x20 || hay.at(content) === 0x09)) content++;
  return { content, end: at, indent: content - lineStart };
}

/** The line starting at `from`: its content's start and end (before CR LF or the haystack's end). */
function lineFrom(hay: Haystack, from: number, ceiling: number): Line {
  let content = from;
  while (content < ceiling && (hay.at(content) === 0x20 || hay.at(content) === 0x09)) content++;
  let end = content;
  while (end < ceiling && hay.at(end) !== LF) end++;
  if (end > content && hay.at(end - 1) === CR) end--;
  return { content, end, indent: content - from };
}

/** Where the last line segment of [start, end) starts: past its last wrap, or `start`. */
function lastSegment(hay: Haystack, start: number, end: number, isChar: (code: number) => boolean): number {
  let at = end;
  while (at > start && isChar(hay.at(at - 1))) at--;
  return at;
}

function segmentLength(hay: Haystack, from: number, isChar: (code: number) => boolean, ceiling: number): number {
  let end = from;
  while (end < ceiling && isChar(hay.at(end))) end++;
  return end - from;
}
