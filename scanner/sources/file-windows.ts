// The keyword windows of a file bigger than one read: one pass collects where its keywords start,
// then positional reads find the lines around them and read them back, so memory stays flat.
import { readSync } from 'node:fs';
import {
  NEWLINE,
  keywordWindows,
  newlinesIn,
  type ByteSource,
  type EncodedHits,
  type KeywordWindow,
} from '../keyword-fragments.js';
import type { BytePrefilter } from './file-fragments.js';

/**
 * A big file is decoded around its keywords only while its lines and windows stay this short
 * (memory stays flat); a longer line, or more keywords than MAX_OFFSETS, and it is streamed whole.
 */
const LINE_LIMIT = 1 << 20;
const MAX_WINDOW_BYTES = 4 << 20;
const MAX_OFFSETS = 100_000;

/** Bytes kept either side of a read's edge to find encoded keywords cut by it (wraps and all). */
const ENCODED_SEAM = 256;

/**
 * Where keywords (and encoded keywords) start in a file bigger than one read, reading it through
 * once: undefined offsets when bytes cannot tell (case-insensitive rules) or there are too many to keep.
 */
export function fileKeywordOffsets(
  fd: number,
  buffer: Buffer,
  head: Buffer,
  prefilter: BytePrefilter,
): { offsets: number[] | undefined; encoded: number[]; bytes: number } {
  const seam = Math.max(0, prefilter.maxKeywordBytes - 1, prefilter.encodedOffsets ? ENCODED_SEAM : 0);
  const offsets = new Set<number>();
  const encoded = new Set<number>();
  const add = (chunk: Buffer, at: number) => {
    const found = prefilter.keywordOffsets(chunk);
    for (const offset of found ?? []) offsets.add(at + offset);
    for (const offset of prefilter.encodedOffsets?.(chunk) ?? []) encoded.add(at + offset);
    return found !== undefined && offsets.size + encoded.size <= MAX_OFFSETS;
  };
  let read = 0;
  let chunk = head;
  for (;;) {
    if (!add(chunk, read)) return { offsets: undefined, encoded: [], bytes: read + chunk.length };
    // A keyword split across two reads shows up in the previous tail joined to the next head.
    const tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - seam)));
    read += chunk.length;
    const n = readSync(fd, buffer, 0, buffer.length, read);
    if (n === 0) return { offsets: [...offsets], encoded: [...encoded], bytes: read };
    chunk = buffer.subarray(0, n);
    if (!add(Buffer.concat([tail, chunk.subarray(0, seam)]), read - tail.length))
      return { offsets: undefined, encoded: [], bytes: read + chunk.length };
  }
}

/** The keyword windows of a file on disk, or undefined when a line or a window is too long to hold. */
export function fileWindows(
  fd: number,
  size: number,
  buffer: Buffer,
  offsets: number[],
  longest: number,
  encoded?: EncodedHits,
): { source: ByteSource; list: KeywordWindow[] } | undefined {
  const source = fileSource(fd, size, buffer);
  try {
    const list = keywordWindows(source, offsets, longest, encoded);
    return list.every((window) => window.end - window.start <= MAX_WINDOW_BYTES) ? { source, list } : undefined;
  } catch (error) {
    if (error instanceof LongLine) return undefined;
    throw error;
  }
}

class LongLine extends Error {}

/** Positional reads through the shared buffer; lines are looked along for LINE_LIMIT bytes at most. */
function fileSource(fd: number, size: number, buffer: Buffer): ByteSource {
  const read = (position: number, length: number) =>
    buffer.subarray(0, readSync(fd, buffer, 0, Math.min(length, buffer.length), position));
  return {
    length: size,
    lastNewline(from, to) {
      const stop = Math.max(from, to - LINE_LIMIT);
      for (let end = to; end > stop; ) {
        const start = Math.max(stop, end - buffer.length);
        const at = read(start, end - start).lastIndexOf(NEWLINE);
        if (at !== -1) return start + at;
        end = start;
      }
      if (stop > from) throw new LongLine();
      return -1;
    },
    nextNewline(from) {
      const stop = Math.min(size, from + LINE_LIMIT);
      for (let start = from; start < stop; ) {
        const chunk = read(start, stop - start);
        if (chunk.length === 0) return -1;
        const at = chunk.indexOf(NEWLINE);
        if (at !== -1) return start + at;
        start += chunk.length;
      }
      if (stop < size) throw new LongLine();
      return -1;
    },
    countNewlines(from, to) {
      let count = 0;
      for (let start = from; start < to; ) {
        const chunk = read(start, to - start);
        if (chunk.length === 0) break;
        count += newlinesIn(chunk);
        start += chunk.length;
      }
      return count;
    },
    bytes(from, to) {
      const bytes = Buffer.allocUnsafe(to - from);
      return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, from));
    },
  };
}
