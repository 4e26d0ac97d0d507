// Any stream of bytes as a source: standard input (`lfk scan -`), a blob from git or GitHub, an
// archive's leaf entry. The same bounded, overlapping fragments as a file; the first 8000 bytes
// say text, binary (searched as ASCII bytes) or, when archives are opened, a compressed file or
// archive, whose bytes are then handed on whole for scanner/unpack/ to read.
import type { Fragment, Source, SourceOutcome } from '../types.js';
import { detectFormat } from '../unpack/formats.js';
import { FragmentSplitter, type FragmentTags } from './file-fragments.js';
import { SNIFF_BYTES, sniffEncoding } from './sniff.js';

export const STDIN_FILE = '-';

/** Chunks of bytes: a stream, or a blob already in memory cut into reads. */
export type ByteInput = AsyncIterable<Buffer | string> | Iterable<Buffer>;

export interface StreamReadOptions {
  /** Bytes read at most (0 or missing: no limit); the rest is left unread, with a warning. */
  maxBytes?: number;
  onWarning?: (message: string) => void;
  /** What each fragment carries (the commit of a blob). */
  tags?: FragmentTags;
  /** Hand compressed files and archives on (outcome `archive` with the stream); else they are skipped, counted as binary. */
  opensArchives?: boolean;
}

export function streamSource(input: ByteInput, file = STDIN_FILE, options: StreamReadOptions = {}): Source {
  return { file, explicit: true, fragments: () => streamFragments(input, file, options) };
}

export async function* streamFragments(
  input: ByteInput,
  file = STDIN_FILE,
  options: StreamReadOptions = {},
): AsyncGenerator<Fragment, SourceOutcome> {
  const chunks = asBuffers(input)[Symbol.asyncIterator]();
  let handedOn = false;
  try {
    const { head, ended } = await readHead(chunks);
    if (detectFormat(head)) {
      // Not opened (--max-archive-depth 0): skipped as before, counted as binary.
      if (!options.opensArchives) return { kind: 'binary' };
      handedOn = true;
      return {
        kind: 'archive',
        stream: { chunks: rest(head, chunks, ended), ...(options.tags?.commit && { commit: options.tags.commit }) },
      };
    }
    const encoding = sniffEncoding(head);
    const splitter = new FragmentSplitter(encoding, file, options.tags);
    const limit = options.maxBytes ?? 0;
    let bytes = 0;
    let pending = head;
    for (let done = ended; ; ) {
      if (limit > 0 && bytes + pending.length > limit) {
        pending = pending.subarray(0, limit - bytes);
        options.onWarning?.(`${file}: over --max-file-size ${limit} bytes; the rest is not scanned`);
        done = true;
      }
      bytes += pending.length;
      const fragment = splitter.push(pending);
      if (fragment) yield fragment;
      if (done) break;
      const step = await chunks.next();
      if (step.done) break;
      pending = step.value;
    }
    const last = splitter.push(null);
    if (last) yield last;
    return encoding === 'binary' ? { kind: 'binary', bytes } : { kind: 'text', bytes };
  } finally {
    // A limit or a consumer that stopped early lets go of the input (a child process, an archive entry).
    if (!handedOn) await chunks.return?.(undefined);
  }
}

async function* asBuffers(input: ByteInput): AsyncGenerator<Buffer> {
  for await (const piece of input) yield typeof piece === 'string' ? Buffer.from(piece) : piece;
}

/** At least SNIFF_BYTES first bytes, whatever the sizes of the chunks they came in. */
async function readHead(chunks: AsyncIterator<Buffer>): Promise<{ head: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let bytes = 0;
  while (bytes < SNIFF_BYTES) {
    const step = await chunks.next();
    if (step.done) return { head: Buffer.concat(parts), ended: true };
    parts.push(step.value);
    bytes += step.value.length;
  }
  return { head: parts.length === 1 ? parts[0]! : Buffer.concat(parts), ended: false };
}

async function* rest(head: Buffer, chunks: AsyncIterator<Buffer>, ended: boolean): AsyncGenerator<Buffer> {
  try {
    yield head;
    if (ended) return;
    for (let step = await chunks.next(); !step.done; step = await chunks.next()) yield step.value;
  } finally {
    await chunks.return?.(undefined);
  }
}
