// The recursive walk through compressed files and archives: bytes in, leaf entries out, each with
// its `!` path. Formats are told by their first bytes; every limit hit and every unreadable part
// is a warning naming the file, and the walk goes on with what comes next. Nothing is written to
// disk, and nothing is held whole except a zip inside another archive (yauzl needs random access),
// within --max-archive-bytes and maxNestedZipBytes.
import { createInflateRaw } from 'node:zlib';
import { PeekableStream } from './byte-stream.js';
import { DECODERS, metered, type Decoder } from './decoders.js';
import { detectFormat, isCompression, SNIFF_HEAD_BYTES } from './formats.js';
import type { ImageLayers } from './image-layers.js';
import type { Budget } from './limits.js';
import { tarEntries } from './tar.js';
import { pumpTransform } from './transform-pump.js';
import { openZip, type ZipSource } from './zip.js';

/** A file at the end of a path through archives. */
export interface UnpackedEntry {
  /** `outer.tar.gz!dir/inner.zip!conf/prod.env` */
  path: string;
  /** The size its archive claims, when it says (a claim, not a promise). */
  size?: number;
  /** Its bytes, in bounded chunks; read them before asking for the next entry. */
  chunks: AsyncIterable<Buffer>;
  /** In a container image: the layer it came from. */
  layer?: { digest: string; index: number };
  /** In a container image: whether a later layer deleted it (known once the walk has ended). */
  deletedInLayer?: () => boolean;
}

/** Where a walk is: what it has spent, and how it reports. */
export interface WalkContext {
  budget: Budget;
  warn(message: string): void;
}

/** Inside a layer of a container image: whiteouts are recorded, leaves say where they came from. */
export interface LayerScope {
  image: ImageLayers;
  index: number;
  digest: string;
  /** Path inside the layer of the archive holding us (nested archives inside a layer). */
  within?: string;
}

/**
 * Reads the archive at `path` (`source`: its bytes, or where to find them) into its leaves;
 * `depth` counts the containers opened so far, this one included; `layer` when inside an image.
 */
type ArchiveWalk<Source> = (
  source: Source,
  path: string,
  depth: number,
  context: WalkContext,
  layer?: LayerScope,
) => AsyncGenerator<UnpackedEntry>;

/** Thrown by a decoder or archive reader: says which format failed. */
class FormatError extends Error {
  constructor(
    readonly format: string,
    readonly reason: string,
  ) {
    super(`${format}: ${reason}`);
  }
}

const reasonOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
const asFormatError = (format: string, error: unknown) =>
  error instanceof FormatError ? error : new FormatError(format, reasonOf(error));

/** A decoder whose failures say their format. */
function named(format: string, decoder: Decoder): Decoder {
  return async function* (input) {
    try {
      yield* decoder(input);
    } catch (error) {
      throw asFormatError(format, error);
    }
  };
}

export function corruptMessage(path: string, error: unknown, format: string): string {
  const failure = asFormatError(format, error);
  return `${path}: corrupt or truncated ${failure.format} data (${failure.reason}); the rest of it is not scanned`;
}

/**
 * Walks a stream of bytes at `path`: opens it when it is a compressed file or an archive (within
 * the depth limit), else yields it as a leaf. `depth` counts the containers already opened
 * around it; `onError` reports a failure met while the leaf is read.
 */
export async function* walkStream(
  stream: PeekableStream,
  path: string,
  depth: number,
  context: WalkContext,
  onError: (error: unknown) => void,
  extra: { size?: number; layer?: LayerScope; entryPath?: string } = {},
): AsyncGenerator<UnpackedEntry> {
  let head: Buffer;
  try {
    head = await stream.peek(SNIFF_HEAD_BYTES);
  } catch (error) {
    onError(error);
    await stream.close().catch(() => undefined);
    return;
  }
  const format = detectFormat(head);
  const cutsBefore = context.budget.cuts;
  if (!format) {
    yield leaf(path, stream, onError, extra);
    // What the reader left unread is let go (a tar entry's rest is still read past, by tar.ts).
    await stream.close().catch(() => undefined);
    return;
  }
  const { limits } = context.budget;
  if (depth >= limits.maxDepth) {
    context.warn(`${path}: ${format} nested deeper than --max-archive-depth ${limits.maxDepth}, not opened`);
    await stream.close().catch(() => undefined);
    return;
  }
  try {
    if (isCompression(format)) {
      const decoded = new PeekableStream(
        metered(named(format, DECODERS[format]), stream, context.budget, (message) =>
          context.warn(`${path}: ${message}`),
        ),
      );
      const inner = detectFormat(await decoded.peek(SNIFF_HEAD_BYTES));
      const innerError = (error: unknown) => context.warn(corruptMessage(path, error, format));
      // A compressed tar is one archive (tar.gz, tgz, tar.zst…); anything else in it is a level further.
      if (inner === 'tar') yield* walkTar(decoded, path, depth + 1, context, extra.layer);
      else yield* walkStream(decoded, path, depth + 1, context, innerError, extra);
    } else if (format === 'tar') {
      yield* walkTar(stream, path, depth + 1, context, extra.layer);
    } else {
      yield* walkNestedZip(stream, path, depth + 1, context, extra.layer);
    }
  } catch (error) {
    if (context.budget.cuts === cutsBefore) context.warn(corruptMessage(path, error, format));
  } finally {
    await stream.close().catch(() => undefined);
  }
}

/** The leaf: its chunks never throw (a failure is reported through `onError` and ends them). */
function leaf(
  path: string,
  stream: PeekableStream,
  onError: (error: unknown) => void,
  extra: { size?: number; layer?: LayerScope; entryPath?: string },
): UnpackedEntry {
  const entry: UnpackedEntry = {
    path,
    chunks: {
      async *[Symbol.asyncIterator]() {
        try {
          yield* stream;
        } catch (error) {
          onError(error);
        }
      },
    },
  };
  if (extra.size !== undefined) entry.size = extra.size;
  const { layer } = extra;
  if (layer) {
    const inLayer = layer.within ?? extra.entryPath ?? '';
    entry.layer = { digest: layer.digest, index: layer.index };
    entry.deletedInLayer = () => layer.image.deletedAfter(layer.index, inLayer);
  }
  return entry;
}

export const walkTar: ArchiveWalk<AsyncIterable<Buffer>> = async function* (stream, path, depth, context, layer) {
  const { limits } = context.budget;
  const cutsBefore = context.budget.cuts;
  let count = 0;
  let entryFailure: unknown;
  try {
    for await (const entry of tarEntries(stream)) {
      if (context.budget.exhausted) return;
      if (++count > limits.maxEntries) {
        context.warn(`${path}: more than ${limits.maxEntries} entries; the rest are not scanned`);
        return;
      }
      if (entry.type !== 'file' && entry.type !== 'contiguous-file') continue;
      const name = layer ? normalizeLayerPath(entry.name) : entry.name;
      if (layer && !layer.within && layer.image.recordWhiteout(layer.index, name)) continue;
      const scope = layer && { ...layer, within: layer.within ?? name };
      yield* walkStream(
        new PeekableStream(entry.body),
        `${path}!${entry.name}`,
        depth,
        context,
        (error) => (entryFailure ??= error),
        {
          size: entry.size,
          ...(scope && { layer: scope, entryPath: name }),
        },
      );
    }
    if (entryFailure) throw entryFailure;
  } catch (error) {
    // A limit that cut the stream under this tar short explains its end.
    if (context.budget.cuts === cutsBefore) context.warn(corruptMessage(path, entryFailure ?? error, 'tar'));
  }
};

/** Raw zip entry bytes to plain bytes, by compression method. */
const ZIP_METHODS: Record<number, { format: string; decoder: Decoder }> = {
  8: {
    format: 'deflate',
    decoder: (input) => pumpTransform(input, createInflateRaw({ chunkSize: 64 * 1024 }), 16 * 1024),
  },
  12: { format: 'bzip2', decoder: DECODERS.bzip2 },
  93: { format: 'zstd', decoder: DECODERS.zstd },
};

/** A zip inside another archive: held in memory (bounded), then read like a file. */
const walkNestedZip: ArchiveWalk<PeekableStream> = async function* (stream, path, depth, context, layer) {
  const { budget } = context;
  const room = budget.limits.maxNestedZipBytes - budget.heldZipBytes;
  const parts: Buffer[] = [];
  let held = 0;
  for await (const chunk of stream) {
    held += chunk.length;
    if (held > room) {
      context.warn(
        `${path}: zip inside an archive over ${budget.limits.maxNestedZipBytes} bytes (it is read from memory), not opened`,
      );
      return;
    }
    parts.push(chunk);
  }
  budget.heldZipBytes += held;
  try {
    yield* walkZip({ buffer: Buffer.concat(parts) }, path, depth, context, layer);
  } finally {
    budget.heldZipBytes -= held;
  }
};

export const walkZip: ArchiveWalk<ZipSource> = async function* (source, path, depth, context, layer) {
  const { limits } = context.budget;
  let zip;
  try {
    zip = await openZip(source);
  } catch (error) {
    context.warn(corruptMessage(path, error, 'zip'));
    return;
  }
  try {
    if (zip.entryCount > limits.maxEntries)
      context.warn(`${path}: ${zip.entryCount} entries, more than ${limits.maxEntries}; the rest are not scanned`);
    let count = 0;
    for await (const entry of zip.entries()) {
      if (context.budget.exhausted || ++count > limits.maxEntries) return;
      if (entry.directory) continue;
      const entryPath = `${path}!${entry.name}`;
      if (entry.encrypted) {
        context.warn(`${entryPath}: encrypted zip entry, not scanned`);
        continue;
      }
      const method = ZIP_METHODS[entry.method];
      if (entry.method !== 0 && !method) {
        context.warn(`${entryPath}: zip compression method ${entry.method} is not supported, not scanned`);
        continue;
      }
      const report = (error: unknown) => context.warn(corruptMessage(entryPath, error, method?.format ?? 'zip'));
      let raw: AsyncIterable<Buffer>;
      try {
        raw = await entry.raw();
      } catch (error) {
        report(error);
        continue;
      }
      const bytes = method
        ? metered(named(method.format, method.decoder), raw, context.budget, (message) =>
            context.warn(`${entryPath}: ${message}`),
          )
        : raw;
      const scope = layer && { ...layer, within: layer.within ?? entry.name };
      yield* walkStream(new PeekableStream(bytes), entryPath, depth, context, report, {
        size: entry.size,
        ...(scope && { layer: scope }),
      });
    }
  } catch (error) {
    context.warn(corruptMessage(path, error, 'zip'));
  } finally {
    zip.close();
  }
};

/** Layer paths as image tools write them (`./app/.env`, `app/.env`) to one form. */
export function normalizeLayerPath(name: string): string {
  return name.replace(/^(?:\.\/|\/)+/, '').replace(/\/+$/, '');
}
