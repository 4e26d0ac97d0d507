// zip (and jar, war, docx, apk, whl, nupkg… which are zips) through yauzl. yauzl reads the central
// directory, so it needs random access: a file on disk is read through its descriptor; a zip inside
// another archive is first held in memory (walk.ts bounds how much). Names are taken as stored
// (yauzl's own name check would refuse a whole archive over one `../` entry). Entry data is read
// raw from where yauzl's local header says it starts, then decompressed by the same bounded
// decoders as the rest, so every entry's ratio is measured on the bytes really read. Raw reads are
// our own plain positional reads: a yauzl read stream destroyed while a read is queued throws from
// a callback (fd-slicer.js reads `context.fd` after `_cleanup` nulled it), which would end the
// process, and a scan stops reading binary entries early all the time.
import { close, open, read } from 'node:fs';
import { promisify, TextDecoder } from 'node:util';
import type { Entry, Options, ZipFile } from 'yauzl';

const READ_BYTES = 64 * 1024;
const readAt = promisify(read);

export interface ZipEntry {
  name: string;
  /** As the central directory claims them. */
  size: number;
  compressedSize: number;
  /** 0 stored, 8 deflate, 12 bzip2, 93 zstd, …: what the raw bytes need. */
  method: number;
  encrypted: boolean;
  directory: boolean;
  /** The entry's stored bytes (still compressed by `method`). */
  raw(): Promise<AsyncIterable<Buffer>>;
}

export interface ZipArchive {
  /** As the end record claims it. */
  readonly entryCount: number;
  entries(): AsyncGenerator<ZipEntry>;
  close(): void;
}

const OPTIONS: Options = {
  lazyEntries: true,
  decodeStrings: false,
  autoClose: false,
  validateEntrySizes: false,
  strictFileNames: false,
};

type Bytes = { fd: number } | { buffer: Buffer };

/** A zip on disk, or held in memory (one inside another archive). */
export type ZipSource = { path: string } | { buffer: Buffer };

export async function openZip(source: ZipSource): Promise<ZipArchive> {
  const bytes: Bytes = 'path' in source ? { fd: await promisify(open)(source.path, 'r') } : source;
  let zip: ZipFile;
  try {
    // Loaded when first needed, as every unpacking library.
    const { default: yauzl } = await import('yauzl');
    zip = await new Promise<ZipFile>((resolve, reject) => {
      const done = (error: Error | null, file?: ZipFile) =>
        error || !file ? reject(error ?? new Error('no zip file')) : resolve(file);
      if ('fd' in bytes) yauzl.fromFd(bytes.fd, OPTIONS, done);
      else yauzl.fromBuffer(bytes.buffer, OPTIONS, done);
    });
  } catch (error) {
    if ('fd' in bytes) close(bytes.fd, () => undefined);
    throw error;
  }
  return {
    entryCount: zip.entryCount,
    entries: () => entries(zip, bytes),
    // yauzl closes the descriptor with the zip file (its reader's last reference).
    close: () => zip.close(),
  };
}

/** `length` bytes from `start`, in pieces; stopping early is always safe. */
async function* byteRange(bytes: Bytes, start: number, length: number): AsyncGenerator<Buffer> {
  const end = start + length;
  for (let position = start; position < end; ) {
    const size = Math.min(READ_BYTES, end - position);
    let piece: Buffer;
    if ('buffer' in bytes) piece = bytes.buffer.subarray(position, Math.min(position + size, bytes.buffer.length));
    else {
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await readAt(bytes.fd, buffer, 0, size, position);
      piece = buffer.subarray(0, bytesRead);
    }
    if (piece.length === 0) throw new Error(`entry data ends ${end - position} bytes before its compressed size`);
    position += piece.length;
    yield piece;
  }
}

async function* entries(zip: ZipFile, bytes: Bytes): AsyncGenerator<ZipEntry> {
  for (;;) {
    const entry = await new Promise<Entry | undefined>((resolve, reject) => {
      const onEntry = (found: Entry) => finish(() => resolve(found));
      const onEnd = () => finish(() => resolve(undefined));
      const onError = (error: Error) => finish(() => reject(error));
      const finish = (then: () => void) => {
        zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
        then();
      };
      zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    const name = entryName(entry);
    yield {
      name,
      size: entry.uncompressedSize,
      compressedSize: entry.compressedSize,
      method: entry.compressionMethod,
      encrypted: entry.isEncrypted(),
      directory: name.endsWith('/'),
      raw: async () =>
        byteRange(
          bytes,
          (await zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart,
          entry.compressedSize,
        ),
    };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 when flagged or valid as UTF-8 (most tools write it unflagged), else Latin-1, byte for byte. */
function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  if (entry.generalPurposeBitFlag & 0x800) return raw.toString('utf8');
  try {
    return utf8.decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}
