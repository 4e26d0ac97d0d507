// UTF-8 bytes cut down to the text around their keywords: only those windows are decoded and
// searched, so a file with one key costs a few kilobytes of decoding and a count of the newlines
// before the key, not a decode and a line walk of the whole file.
//
// Each window reaches more than WINDOW_SPAN characters either side of every keyword in it (or the
// file's edge), so the detector sees the same regex windows it would see in the whole text; two
// windows are apart only when no regex windows of theirs could meet. Windows are widened to whole
// lines, so line allowlists and `lfk:allow` see the same lines. A window starts just after a
// newline byte, which is never part of a multi-byte character: decoding it gives exactly the
// characters of that part of the whole file, invalid bytes included.
import { TextDecoder } from 'node:util';
import { WINDOW_SPAN } from './detect.js';
import type { Fragment } from './types.js';

export const NEWLINE = 0x0a;

/** Random access to the bytes of a file, in memory or on disk. */
export interface ByteSource {
  readonly length: number;
  /** Index of the last newline in [from, to), or -1. */
  lastNewline(from: number, to: number): number;
  /** Index of the first newline at or after `from`, or -1. */
  nextNewline(from: number): number;
  countNewlines(from: number, to: number): number;
  bytes(from: number, to: number): Buffer;
}

/** A window of whole lines, [start, end) in bytes, starting on line `line`. */
export interface KeywordWindow {
  start: number;
  end: number;
  line: number;
}

/**
 * Bytes either side of a keyword. A UTF-16 code unit takes at most 3 bytes of UTF-8, so this is
 * more than WINDOW_SPAN units past the keyword, and two windows this far apart hold keywords over
 * 2 × WINDOW_SPAN units plus the keyword apart: their regex windows cannot touch.
 */
export function spanBytes(longest: number): number {
  return 3 * (WINDOW_SPAN + 1 + longest);
}

/** Bytes an encoded keyword's window reaches either side of it: its run and no context beyond. */
export interface EncodedHits {
  offsets: readonly number[];
  reach: number;
}

/**
 * The windows around keywords starting at `offsets` (in any order), each `longest` bytes at most,
 * and around encoded keywords (decode/), far enough for the encoded run around each.
 */
export function keywordWindows(
  source: ByteSource,
  offsets: number[],
  longest: number,
  encoded?: EncodedHits,
): KeywordWindow[] {
  offsets.sort((a, b) => a - b);
  const span = spanBytes(longest);
  const spans: Array<readonly [number, number]> = offsets.map((offset) => [offset - span, offset + longest + span]);
  if (encoded && encoded.offsets.length > 0) {
    for (const offset of encoded.offsets) spans.push([offset - encoded.reach, offset + encoded.reach]);
    spans.sort((a, b) => a[0] - b[0]);
  }
  const windows: KeywordWindow[] = [];
  let current: KeywordWindow | undefined;
  for (const [before, after] of spans) {
    const from = Math.max(0, before);
    const to = Math.min(source.length, after);
    // The line start is looked for no further back than the window so far (a long line is then
    // searched once, not again for every keyword on it).
    const floor = current?.end ?? 0;
    const newline = from > floor ? source.lastNewline(floor, from) : -1;
    const lineStart = newline === -1 ? floor : newline + 1;
    if (!current || lineStart > current.end) {
      const line = current
        ? current.line + source.countNewlines(current.start, lineStart)
        : 1 + source.countNewlines(0, lineStart);
      current = { start: lineStart, end: lineStart, line };
      windows.push(current);
    }
    if (to > current.end) current.end = lineEndAt(source, to);
  }
  return windows;
}

// At the file's start the byte-order mark is dropped, as in a whole-file decode; further in, a
// U+FEFF is a character like any other.
const fromStart = new TextDecoder('utf-8');
const fromInside = new TextDecoder('utf-8', { ignoreBOM: true });

export function windowFragment(source: ByteSource, window: KeywordWindow, file: string): Fragment {
  const decoder = window.start === 0 ? fromStart : fromInside;
  return {
    text: decoder.decode(source.bytes(window.start, window.end)),
    file,
    startLine: window.line,
    startColumn: 1,
    // A window inside the file: its first character does not start the file, its end does not end it.
    cutBefore: window.start > 0,
    cutAfter: window.end < source.length,
  };
}

/** The fragments of a whole file in memory around keywords starting at `offsets` (and encoded ones). */
export function keywordFragments(
  bytes: Buffer,
  offsets: number[],
  longest: number,
  file: string,
  encoded?: EncodedHits,
): Fragment[] {
  const source = bufferSource(bytes);
  return keywordWindows(source, offsets, longest, encoded).map((window) => windowFragment(source, window, file));
}

export function bufferSource(bytes: Buffer): ByteSource {
  return {
    length: bytes.length,
    lastNewline: (from, to) => {
      const at = bytes.subarray(from, to).lastIndexOf(NEWLINE);
      return at === -1 ? -1 : from + at;
    },
    nextNewline: (from) => bytes.indexOf(NEWLINE, from),
    countNewlines: (from, to) => newlinesIn(bytes.subarray(from, to)),
    bytes: (from, to) => bytes.subarray(from, to),
  };
}

export function newlinesIn(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/** Just past the end of the line holding `at - 1` (its newline included), or the end of the bytes. */
function lineEndAt(source: ByteSource, at: number): number {
  if (at >= source.length) return source.length;
  const newline = source.nextNewline(at - 1);
  return newline === -1 ? source.length : newline + 1;
}
