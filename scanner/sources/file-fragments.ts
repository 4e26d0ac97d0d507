// The file source: reads one file in bounded chunks, never the whole file at once, so memory stays
// flat whatever the size. Clean UTF-8 files are only checked for keyword bytes and never decoded.
// A UTF-8 file with keywords is decoded only around them (keyword-fragments.ts): from memory when
// it fit in one read, else through positional reads. UTF-16 files, case-insensitive rules and
// lines too long to hold take the slow way: the whole file again, as overlapping text fragments.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import type { Detector } from '../detect.js';
import { keywordFragments, keywordWindows, windowFragment, type ByteSource, type KeywordWindow } from '../keyword-fragments.js';
import { LineCursor } from '../line-cursor.js';
import type { Fragment, SourceOutcome } from '../types.js';
import { sniffEncoding, type TextEncoding } from './sniff.js';

export const CHUNK_BYTES = 1 << 20;
/**
 * Characters repeated between consecutive fragments. Each fragment answers for secrets up to
 * half of it before its end, so a secret and its regex window (detect.ts WINDOW_SPAN) near a
 * chunk edge are whole in one fragment.
 */
export const OVERLAP_CHARS = 8192;
const HALF_OVERLAP = OVERLAP_CHARS / 2;
const NEWLINE = 0x0a;
/**
 * A big file is decoded around its keywords only while its lines and windows stay this short
 * (memory stays flat); a longer line, or more keywords than MAX_OFFSETS, and it is streamed whole.
 */
const LINE_LIMIT = 1 << 20;
const MAX_WINDOW_BYTES = 4 << 20;
const MAX_OFFSETS = 100_000;

export interface FileEntry {
  /** Absolute path to open. */
  path: string;
  /** `/`-separated path for reports. */
  file: string;
  /** Named on the command line rather than found in a walk. */
  explicit?: boolean;
}

export type BytePrefilter = Pick<Detector, 'bytesMayMatch' | 'keywordOffsets' | 'maxKeywordBytes'>;

export interface ReadOptions {
  /** Bytes; 0 means no limit. */
  maxFileSize: number;
  /** Tests use small chunks to get many fragments from a small file. */
  chunkBytes?: number;
}

// One buffer per thread: reads are synchronous, one file at a time.
let shared: Buffer | undefined;

/** Yields the fragments of a file worth running the detector on, and returns what the file was. */
export function* fileFragments(entry: FileEntry, prefilter: BytePrefilter, options: ReadOptions): Generator<Fragment, SourceOutcome> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  let fd: number;
  try {
    fd = openSync(entry.path, 'r');
  } catch (error) {
    return { kind: 'unreadable', reason: errorCode(error) };
  }
  try {
    const buffer = chunkBytes === CHUNK_BYTES ? (shared ??= Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(chunkBytes);
    const first = readSync(fd, buffer, 0, buffer.length, 0);
    // A file that fit in one read is its size; only bigger ones need an fstat for the limit.
    const size = first < buffer.length ? first : fstatSync(fd).size;
    if (options.maxFileSize > 0 && size > options.maxFileSize) return { kind: 'too-large', size };
    const head = buffer.subarray(0, first);
    const encoding = sniffEncoding(head);
    if (encoding === 'binary') return { kind: 'binary' };
    const whole = first < buffer.length;
    if (encoding === 'utf-8') {
      // Only the text around keywords is decoded (keyword-fragments.ts), when bytes can tell where they are.
      const found = whole ? { offsets: prefilter.keywordOffsets(head), bytes: first } : fileKeywordOffsets(fd, buffer, head, prefilter);
      if (found.offsets?.length === 0) return { kind: 'text', bytes: found.bytes };
      if (found.offsets && whole) {
        yield* keywordFragments(head, found.offsets, prefilter.maxKeywordBytes, entry.file);
        return { kind: 'text', bytes: first };
      }
      const windows = found.offsets && fileWindows(fd, found.bytes, buffer, found.offsets, prefilter.maxKeywordBytes);
      if (windows) {
        for (const window of windows.list) yield windowFragment(windows.source, window, entry.file);
        return { kind: 'text', bytes: found.bytes };
      }
      // Case-insensitive rules, very long lines or a great many keywords: the whole file, streamed.
    }
    if (whole) {
      // Already in memory: one fragment, decoded in one call (a streaming decoder is several times slower).
      yield { text: decoderFor(encoding).decode(head), file: entry.file, startLine: 1, startColumn: 1 };
      return { kind: 'text', bytes: first };
    }
    const bytes = yield* decodedFragments(fd, buffer, encoding, entry.file);
    return { kind: 'text', bytes };
  } catch (error) {
    return { kind: 'unreadable', reason: errorCode(error) };
  } finally {
    closeSync(fd);
  }
}

// Decoding a whole file at once keeps no state between calls, so one decoder per encoding serves all.
const decoders = new Map<TextEncoding, TextDecoder>();
const decoderFor = (encoding: TextEncoding) => decoders.get(encoding) ?? decoders.set(encoding, new TextDecoder(encoding)).get(encoding)!;

/**
 * Where keywords start in a file bigger than one read, reading it through once: undefined offsets
 * when bytes cannot tell (case-insensitive rules) or there are too many to keep.
 */
function fileKeywordOffsets(fd: number, buffer: Buffer, head: Buffer, prefilter: BytePrefilter): { offsets: number[] | undefined; bytes: number } {
  const seam = Math.max(0, prefilter.maxKeywordBytes - 1);
  const offsets = new Set<number>();
  let read = 0;
  let chunk = head;
  for (;;) {
    const found = prefilter.keywordOffsets(chunk);
    if (!found) return { offsets: undefined, bytes: read + chunk.length };
    for (const offset of found) offsets.add(read + offset);
    if (offsets.size > MAX_OFFSETS) return { offsets: undefined, bytes: read + chunk.length };
    // A keyword split across two reads shows up in the previous tail joined to the next head.
    const tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - seam)));
    read += chunk.length;
    const n = readSync(fd, buffer, 0, buffer.length, read);
    if (n === 0) return { offsets: [...offsets], bytes: read };
    chunk = buffer.subarray(0, n);
    for (const offset of prefilter.keywordOffsets(Buffer.concat([tail, chunk.subarray(0, seam)])) ?? []) offsets.add(read - tail.length + offset);
  }
}

/** The keyword windows of a file on disk, or undefined when a line or a window is too long to hold. */
function fileWindows(fd: number, size: number, buffer: Buffer, offsets: number[], longest: number): { source: ByteSource; list: KeywordWindow[] } | undefined {
  const source = fileSource(fd, size, buffer);
  try {
    const list = keywordWindows(source, offsets, longest);
    return list.every((window) => window.end - window.start <= MAX_WINDOW_BYTES) ? { source, list } : undefined;
  } catch (error) {
    if (error instanceof LongLine) return undefined;
    throw error;
  }
}

class LongLine extends Error {}

/** Positional reads through the shared buffer; lines are looked along for LINE_LIMIT bytes at most. */
function fileSource(fd: number, size: number, buffer: Buffer): ByteSource {
  const read = (position: number, length: number) => buffer.subarray(0, readSync(fd, buffer, 0, Math.min(length, buffer.length), position));
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
        for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) count++;
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

function* decodedFragments(fd: number, buffer: Buffer, encoding: TextEncoding, file: string): Generator<Fragment, number> {
  const splitter = new FragmentSplitter(encoding, file);
  for (let read = 0; ; ) {
    const n = readSync(fd, buffer, 0, buffer.length, read);
    read += n;
    const fragment = splitter.push(n === 0 ? null : buffer.subarray(0, n));
    if (fragment) yield fragment;
    if (n === 0) return read;
  }
}

/** Bytes in, overlapping text fragments out, with line and column carried from one to the next. */
export class FragmentSplitter {
  // Streaming decode keeps characters split across reads whole; invalid UTF-8 becomes U+FFFD.
  private readonly decoder: TextDecoder;
  private carry = '';
  private ownFrom = 0;
  private line = 1;
  private column = 1;

  constructor(
    encoding: TextEncoding,
    private readonly file: string,
  ) {
    this.decoder = new TextDecoder(encoding);
  }

  /** Adds bytes (null at the end of input); returns a fragment once enough text has gathered. */
  push(bytes: Buffer | null): Fragment | undefined {
    const last = bytes === null;
    const text = this.carry + (last ? this.decoder.decode() : this.decoder.decode(bytes, { stream: true }));
    if (!last && text.length < 2 * OVERLAP_CHARS) {
      this.carry = text;
      return undefined;
    }
    const fragment: Fragment = {
      text,
      file: this.file,
      startLine: this.line,
      startColumn: this.column,
      ownFrom: this.ownFrom,
      ownTo: last ? text.length : text.length - HALF_OVERLAP,
    };
    if (!last) {
      const cut = text.length - OVERLAP_CHARS;
      ({ line: this.line, column: this.column } = new LineCursor(text, this.line, this.column).at(cut));
      this.carry = text.slice(cut);
      this.ownFrom = HALF_OVERLAP;
    }
    return fragment;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
