// Characters written as escapes: `%5F` (percent-encoding), `\x5f` and `\u005f` (C, JavaScript and
// JSON string escapes), hex digits in either case. A keyword may hide behind any mix of plain and
// escaped characters; a run is the stretch of word characters and escapes around it.
import type { Haystack } from './haystack.js';

const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const LOWER_X = 0x78;
const LOWER_U = 0x75;
/** The longest escape, `\u005f`. */
export const LONGEST_ESCAPE = 6;

export interface Escape {
  length: number;
  code: number;
}

/** The escape that starts at `at`, if one does. */
export function escapeAt(hay: Haystack, at: number): Escape | undefined {
  const first = hay.at(at);
  if (first === PERCENT) return hexEscape(hay, at + 1, 2, 3);
  if (first !== BACKSLASH) return undefined;
  const second = hay.at(at + 1);
  if (second === LOWER_X) return hexEscape(hay, at + 2, 2, 4);
  if (second === LOWER_U) return hexEscape(hay, at + 2, 4, 6);
  return undefined;
}

/** The escape that ends just before `end`, if one does. */
export function escapeBefore(hay: Haystack, end: number): Escape | undefined {
  for (const length of [3, 4, 6]) {
    const found = escapeAt(hay, end - length);
    if (found?.length === length) return found;
  }
  return undefined;
}

function hexEscape(hay: Haystack, from: number, digits: number, length: number): Escape | undefined {
  let code = 0;
  for (let i = 0; i < digits; i++) {
    const digit = hexValue(hay.at(from + i));
    if (digit < 0) return undefined;
    code = code * 16 + digit;
  }
  return { length, code };
}

export function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The haystack ended before a keyword check could tell (a keyword cut by the edge). */
export const CUT = -2;

/** Where `keyword[from..]` ends when it starts at `at`, each character plain or escaped; -1, or CUT. */
export function keywordForward(hay: Haystack, at: number, keyword: string, from: number): number {
  let position = at;
  for (let i = from; i < keyword.length; i++) {
    if (position >= hay.length) return CUT;
    const code = keyword.charCodeAt(i);
    if (hay.at(position) === code) position++;
    else {
      const found = escapeAt(hay, position);
      if (found?.code !== code) return position + LONGEST_ESCAPE > hay.length ? CUT : -1;
      position += found.length;
    }
  }
  return position;
}

/** Where `keyword[..to)` starts when it ends just before `end`; -1, or CUT. */
export function keywordBackward(hay: Haystack, end: number, keyword: string, to: number): number {
  let position = end;
  for (let i = to - 1; i >= 0; i--) {
    if (position <= 0) return CUT;
    const code = keyword.charCodeAt(i);
    if (hay.at(position - 1) === code) position--;
    else {
      const found = escapeBefore(hay, position);
      if (found?.code !== code) return position < LONGEST_ESCAPE ? CUT : -1;
      position -= found.length;
    }
  }
  return position;
}

/** Characters a run of escapes may hold unescaped: letters, digits and URL-safe punctuation. */
export function isRunChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) ||
    code === 0x2d ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x7e
  );
}

/** [start, end) of the run of plain and escaped characters around [from, to), at most `reach` either side. */
export function escapeRun(hay: Haystack, from: number, to: number, reach: number): readonly [number, number] {
  let start = from;
  const floor = Math.max(0, from - reach);
  while (start > floor) {
    const found = escapeBefore(hay, start);
    if (found) start -= found.length;
    else if (isRunChar(hay.at(start - 1))) start--;
    else break;
  }
  let end = to;
  const ceiling = Math.min(hay.length, to + reach);
  while (end < ceiling) {
    const found = escapeAt(hay, end);
    if (found) end += found.length;
    else if (isRunChar(hay.at(end))) end++;
    else break;
  }
  return [Math.max(start, floor), Math.min(end, ceiling)];
}

/** The text a run of escapes stands for. Percent escapes are UTF-8 bytes, the others code units. */
export function unescapeRun(hay: Haystack, start: number, end: number): { text: string; percent: boolean } {
  let text = '';
  let bytes: number[] = [];
  let percent = false;
  const flush = () => {
    if (bytes.length > 0) text += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let at = start; at < end; ) {
    const found = escapeAt(hay, at);
    if (found && at + found.length <= end) {
      if (found.length === 3) {
        percent = true;
        bytes.push(found.code);
      } else {
        flush();
        text += String.fromCharCode(found.code);
      }
      at += found.length;
    } else {
      flush();
      text += String.fromCharCode(hay.at(at));
      at++;
    }
  }
  flush();
  return { text, percent };
}
