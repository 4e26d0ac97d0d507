// zip (and jar, war, docx, apk, whl, nupkg… which are zips) through yauzl. yauzl reads the central
// directory, so it needs random access: a file on disk is read through its path; a zip inside
// another archive is first held in memory (walk.ts bounds how much). Names are taken as stored
// (yauzl's own name check would refuse a whole archive over one `../` entry) and entry data is
// taken raw, then decompressed by the same bounded decoders as the rest, so every entry's
// compression ratio is measured on the bytes really read.
import { TextDecoder } from 'node:util';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

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

const OPTIONS: yauzl.Options = { lazyEntries: true, decodeStrings: false, autoClose: false, validateEntrySizes: false, strictFileNames: false };

export async function openZip(source: { path: string } | { buffer: Buffer }): Promise<ZipArchive> {
  const zip = await new Promise<ZipFile>((resolve, reject) => {
    const done = (error: Error | null, file?: ZipFile) => (error || !file ? reject(error ?? new Error('no zip file')) : resolve(file));
    if ('path' in source) yauzl.open(source.path, OPTIONS, done);
    else yauzl.fromBuffer(source.buffer, OPTIONS, done);
  });
  return {
    entryCount: zip.entryCount,
    entries: () => entries(zip),
    close: () => zip.close(),
  };
}

async function* entries(zip: ZipFile): AsyncGenerator<ZipEntry> {
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
      raw: () => zip.openReadStreamPromise(entry, { decodeFileData: false }),
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
