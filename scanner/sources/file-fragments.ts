// The file source: reads one file in bounded chunks, never the whole file at once, so memory stays
// flat whatever the size. Clean UTF-8 files are only checked for keyword bytes and never decoded.
// A UTF-8 file with keywords is decoded only around them (keyword-fragments.ts): from memory when
// it fit in one read, else through positional reads. UTF-16 files, case-insensitive rules and
// lines too long to hold take the slow way: the whole file again, as overlapping text fragments.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import type { Finder } from '../finder.js';
import { keywordFragments, windowFragment } from '../keyword-fragments.js';
import { LineCursor } from '../line-cursor.js';
import type { Fragment, SourceOutcome } from '../types.js';
import type { ArchiveOptions } from '../unpack/scan-archive.js';
import { detectFormat } from '../unpack/formats.js';
import { fileKeywordOffsets, fileWindows } from './file-windows.js';
import { sniffEncoding, type TextEncoding } from './sniff.js';

export const CHUNK_BYTES = 1 << 20;
/**
 * Characters repeated between consecutive fragments. Each fragment answers for secrets up to
 * half of it before its end, so a secret and its regex window (detect.ts WINDOW_SPAN) near a
 * chunk edge are whole in one fragment.
 */
export const OVERLAP_CHARS = 8192;
const HALF_OVERLAP = OVERLAP_CHARS / 2;

export interface FileEntry {
  /** Absolute path to open. */
  path: string;
  /** `/`-separated path for reports. */
  file: string;
  /** Named on the command line rather than found in a walk. */
  explicit?: boolean;
}

/** The byte checks of the rules: keywords, and encoded keywords when decoding is on (finder.ts). */
export type BytePrefilter = Pick<Finder, 'keywordOffsets' | 'maxKeywordBytes'> &
  Partial<Pick<Finder, 'encodedOffsets' | 'encodedReach'>>;

/** `--max-file-size` unless told otherwise, and the limit of the GitHub App's push scan. */
export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;

export interface ReadOptions {
  /** Bytes; 0 means no limit. */
  maxFileSize: number;
  /** Tests use small chunks to get many fragments from a small file. */
  chunkBytes?: number;
  /** Compressed files and archives are opened (scanner/unpack/) unless the depth is 0 or this is missing. */
  archives?: ArchiveOptions;
}

// One buffer per thread: reads are synchronous, one file at a time.
let shared: Buffer | undefined;

/** Yields the fragments of a file worth running the detector on, and returns what the file was. */
export function* fileFragments(
  entry: FileEntry,
  prefilter: BytePrefilter,
  options: ReadOptions,
): Generator<Fragment, SourceOutcome> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  let fd: number;
  try {
    fd = openSync(entry.path, 'r');
  } catch (error) {
    return { kind: 'unreadable', reason: errorCode(error) };
  }
  try {
    const buffer =
      chunkBytes === CHUNK_BYTES ? (shared ??= Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(chunkBytes);
    const first = readSync(fd, buffer, 0, buffer.length, 0);
    // A file that fit in one read is its size; only bigger ones need an fstat for the limit.
    // Archives are told by their first bytes, before any size or text check: their limits are their own.
    // With --max-archive-depth 0 they are skipped as before: counted as binary, their bytes not searched.
    if (detectFormat(buffer.subarray(0, first)))
      return options.archives && options.archives.maxArchiveDepth > 0 ? { kind: 'archive' } : { kind: 'binary' };
    const size = first < buffer.length ? first : fstatSync(fd).size;
    if (options.maxFileSize > 0 && size > options.maxFileSize) return { kind: 'too-large', size };
    const head = buffer.subarray(0, first);
    const encoding = sniffEncoding(head);
    const whole = first < buffer.length;
    if (encoding === 'binary') return yield* binaryFragments(fd, buffer, head, whole, prefilter, entry.file);
    if (encoding === 'utf-8') {
      // Only the text around keywords is decoded (keyword-fragments.ts), when bytes can tell where they are.
      // Encoded keywords (base64, hex, escapes of them) get windows of their own, wide enough for their runs.
      const found = whole
        ? { offsets: prefilter.keywordOffsets(head), encoded: prefilter.encodedOffsets?.(head) ?? [], bytes: first }
        : fileKeywordOffsets(fd, buffer, head, prefilter);
      if (found.offsets?.length === 0 && found.encoded.length === 0) return { kind: 'text', bytes: found.bytes };
      const encoded = { offsets: found.encoded, reach: prefilter.encodedReach ?? 0 };
      if (found.offsets && whole) {
        yield* keywordFragments(head, found.offsets, prefilter.maxKeywordBytes, entry.file, encoded);
        return { kind: 'text', bytes: first };
      }
      const windows =
        found.offsets && fileWindows(fd, found.bytes, buffer, found.offsets, prefilter.maxKeywordBytes, encoded);
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
const decoderFor = (encoding: TextEncoding) =>
  decoders.get(encoding) ?? decoders.set(encoding, new TextDecoder(encoding)).get(encoding)!;

/**
 * A binary file is searched as ASCII bytes (docs/scanner.md#binary-files), one byte per character,
 * so line and column count bytes. Only a file whose bytes hold a keyword, plain or encoded, is
 * turned into text.
 */
function* binaryFragments(
  fd: number,
  buffer: Buffer,
  head: Buffer,
  whole: boolean,
  prefilter: BytePrefilter,
  file: string,
): Generator<Fragment, SourceOutcome> {
  const found = whole
    ? { offsets: prefilter.keywordOffsets(head), encoded: prefilter.encodedOffsets?.(head) ?? [], bytes: head.length }
    : fileKeywordOffsets(fd, buffer, head, prefilter);
  if (found.offsets?.length === 0 && found.encoded.length === 0) return { kind: 'binary', bytes: found.bytes };
  if (whole) {
    yield { text: head.toString('latin1'), file, startLine: 1, startColumn: 1, binary: true };
    return { kind: 'binary', bytes: head.length };
  }
  return { kind: 'binary', bytes: yield* decodedFragments(fd, buffer, 'binary', file) };
}

function* decodedFragments(
  fd: number,
  buffer: Buffer,
  encoding: TextEncoding | 'binary',
  file: string,
): Generator<Fragment, number> {
  const splitter = new FragmentSplitter(encoding, file);
  for (let read = 0; ; ) {
    const n = readSync(fd, buffer, 0, buffer.length, read);
    read += n;
    const fragment = splitter.push(n === 0 ? null : buffer.subarray(0, n));
    if (fragment) yield fragment;
    if (n === 0) return read;
  }
}

/** What every fragment of one input carries besides its text and place. */
export type FragmentTags = Pick<Fragment, 'commit'>;

/**
 * Bytes in, overlapping text fragments out, with line and column carried from one to the next.
 * A binary input is read one byte per character (latin1), so its lines and columns count bytes.
 */
export class FragmentSplitter {
  // Streaming decode keeps characters split across reads whole; invalid UTF-8 becomes U+FFFD.
  private readonly decoder: TextDecoder | undefined;
  private carry = '';
  private ownFrom = 0;
  /** A fragment has been given out: the next one starts inside the input. */
  private started = false;
  private line = 1;
  private column = 1;

  constructor(
    encoding: TextEncoding | 'binary',
    private readonly file: string,
    private readonly tags: FragmentTags = {},
  ) {
    this.decoder = encoding === 'binary' ? undefined : new TextDecoder(encoding);
  }

  /** Adds bytes (null at the end of input); returns a fragment once enough text has gathered. */
  push(bytes: Buffer | null): Fragment | undefined {
    const last = bytes === null;
    const text = this.carry + this.decode(bytes);
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
      // Every fragment but the first starts inside the input, every one but the last stops inside it.
      cutBefore: this.started,
      cutAfter: !last,
      ...this.tags,
      ...(!this.decoder && { binary: true }),
    };
    if (!last) {
      const cut = text.length - OVERLAP_CHARS;
      ({ line: this.line, column: this.column } = new LineCursor(text, this.line, this.column).at(cut));
      this.carry = text.slice(cut);
      this.ownFrom = HALF_OVERLAP;
      this.started = true;
    }
    return fragment;
  }

  private decode(bytes: Buffer | null): string {
    if (!this.decoder) return bytes === null ? '' : bytes.toString('latin1');
    return bytes === null ? this.decoder.decode() : this.decoder.decode(bytes, { stream: true });
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}
