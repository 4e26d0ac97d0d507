// A whole UTF-8 file in memory, cut down to the text around its keywords: only those windows are
// decoded and searched, so a file with one key costs a few kilobytes of decoding and a count of
// the newlines before the key, not a decode and a line walk of the whole file.
//
// Each window reaches at least WINDOW_SPAN characters either side of every keyword in it (or the
// file's edge), so the detector sees the same regex windows it would see in the whole text, and
// it is widened to whole lines, so line allowlists and `lfk:allow` see the same lines. A window
// starts just after a newline byte, which is never part of a multi-byte character: decoding a
// window gives exactly the characters of that part of the whole file, invalid bytes included.
import { TextDecoder } from 'node:util';
import { WINDOW_SPAN } from './detect.js';
import type { Fragment } from './types.js';

/**
 * Bytes either side of a keyword: a UTF-16 code unit takes at most 3 bytes of UTF-8, so this is
 * more than WINDOW_SPAN units and a regex window never ends at a window's cut edge.
 */
const SPAN_BYTES = 3 * (WINDOW_SPAN + 1);
const NEWLINE = 0x0a;

// At the file's start the byte-order mark is dropped, as in a whole-file decode; further in, a
// U+FEFF is a character like any other.
const fromStart = new TextDecoder('utf-8');
const fromInside = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The fragments of `bytes` around keywords starting at `offsets` (in any order), each `longest`
 * bytes at most, with the line each one starts on.
 */
export function keywordFragments(bytes: Buffer, offsets: number[], longest: number, file: string): Fragment[] {
  offsets.sort((a, b) => a - b);
  const fragments: Fragment[] = [];
  // The window being built, [start, end): empty until the first keyword.
  let start = 0;
  let end = 0;
  let line = 1;
  const close = () => {
    const decoder = start === 0 ? fromStart : fromInside;
    fragments.push({ text: decoder.decode(bytes.subarray(start, end)), file, startLine: line, startColumn: 1 });
  };
  for (const offset of offsets) {
    const from = Math.max(0, offset - SPAN_BYTES);
    const to = Math.min(bytes.length, offset + longest + SPAN_BYTES);
    // The line start is looked for no further back than the window so far (a long line is then
    // searched once, not again for every keyword on it).
    const lineStart = lineStartAt(bytes, from, end);
    if (end === 0 || lineStart > end) {
      if (end > 0) close();
      line += countNewlines(bytes, start, lineStart);
      start = lineStart;
    }
    if (to > end) end = lineEndAt(bytes, to);
  }
  if (end > 0) close();
  return fragments;
}

/** Where the line holding `at` starts, or `floor` when that is further back (`at` ≥ `floor`). */
function lineStartAt(bytes: Buffer, at: number, floor: number): number {
  if (at <= floor) return floor;
  const newline = bytes.subarray(floor, at).lastIndexOf(NEWLINE);
  return newline === -1 ? floor : floor + newline + 1;
}

/** Just past the end of the line holding `at - 1` (its newline included), or the end of the bytes. */
function lineEndAt(bytes: Buffer, at: number): number {
  if (at >= bytes.length || at === 0 || bytes[at - 1] === NEWLINE) return at;
  const newline = bytes.indexOf(NEWLINE, at);
  return newline === -1 ? bytes.length : newline + 1;
}

function countNewlines(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  const part = bytes.subarray(from, to);
  for (let at = part.indexOf(NEWLINE); at !== -1; at = part.indexOf(NEWLINE, at + 1)) count++;
  return count;
}
