// The entry point: one top-level file (or OCI image-layout folder) in, its leaf entries out.
// Limits come from the caller (the CLI's --max-archive-depth and --max-archive-bytes, the defaults
// of docs/scanner.md#limits-and-warnings for the rest); warnings go into `warnings`, one line each,
// naming the file.
import { createReadStream } from 'node:fs';
import { PeekableStream } from './byte-stream.js';
import { DECODERS } from './decoders.js';
import { detectFormat, isCompression, SNIFF_HEAD_BYTES, type Format } from './formats.js';
import { firstTarName, imageFolder, imageTarball, looksLikeImageEntry } from './image.js';
import { Budget, DEFAULT_LIMITS, type UnpackLimits } from './limits.js';
import { corruptMessage, walkStream, walkZip, type UnpackedEntry, type WalkContext } from './walk.js';

export type { UnpackedEntry } from './walk.js';
export { DEFAULT_LIMITS, type UnpackLimits } from './limits.js';

export interface UnpackTarget {
  /** Absolute path to open. */
  path: string;
  /** `/`-separated path for reports: the start of every `!` path. */
  file: string;
}

/**
 * The leaf entries of a compressed file or archive, depth first, in archive order. Never throws:
 * an unreadable part is a warning, and the walk goes on with what follows it.
 */
export async function* unpack(
  target: UnpackTarget,
  limits: Partial<UnpackLimits>,
  warnings: string[],
): AsyncGenerator<UnpackedEntry> {
  yield* fromTop(target.file, 'archive', limits, warnings, async function* (context) {
    const file = new PeekableStream(createReadStream(target.path, { highWaterMark: 64 * 1024 }));
    const head = await file.peek(SNIFF_HEAD_BYTES);
    const format = detectFormat(head);
    if (format === 'zip') {
      await file.close();
      yield* walkZip({ path: target.path }, target.file, 1, context);
      return;
    }
    if (format && (await isImageCandidate(target.path, head, format))) {
      await file.close();
      const image = await imageTarball(target.path, target.file, context);
      if (image) {
        yield* image;
        return;
      }
      yield* walkStream(
        new PeekableStream(createReadStream(target.path, { highWaterMark: 64 * 1024 })),
        target.file,
        0,
        context,
        (error) => context.warn(corruptMessage(target.file, error, format)),
      );
      return;
    }
    yield* walkStream(file, target.file, 0, context, (error) =>
      context.warn(corruptMessage(target.file, error, format ?? 'file')),
    );
  });
}

/**
 * A compressed file or archive read as a stream (standard input, a git or GitHub blob): the same
 * walk from its first byte. A zip is read from memory (within the nested-zip limit) since its
 * directory is at its end, and an image tarball is walked as the tar it is (its layers are opened
 * as archives; naming them by digest and telling deleted files needs the file on disk).
 */
export async function* unpackStream(
  chunks: AsyncIterable<Buffer>,
  file: string,
  limits: Partial<UnpackLimits>,
  warnings: string[],
): AsyncGenerator<UnpackedEntry> {
  yield* fromTop(file, 'archive', limits, warnings, (context) =>
    walkStream(new PeekableStream(chunks), file, 0, context, (error) =>
      context.warn(corruptMessage(file, error, 'file')),
    ),
  );
}

/** An OCI image-layout folder, given its `oci-layout` file's folder. */
export async function* unpackImageFolder(
  folder: string,
  display: string,
  limits: Partial<UnpackLimits>,
  warnings: string[],
): AsyncGenerator<UnpackedEntry> {
  yield* fromTop(display, 'image', limits, warnings, (context) => imageFolder(folder, display, context));
}

/**
 * A walk from the top with a budget of its own; the limit on depth 0 means nothing is opened, and
 * what still throws out of the walk is a warning about `file` (what it was read as: `kind`).
 */
async function* fromTop(
  file: string,
  kind: string,
  limits: Partial<UnpackLimits>,
  warnings: string[],
  walk: (context: WalkContext) => AsyncIterable<UnpackedEntry>,
): AsyncGenerator<UnpackedEntry> {
  const context: WalkContext = { budget: new Budget({ ...DEFAULT_LIMITS, ...limits }), warn: onceEach(warnings) };
  if (context.budget.limits.maxDepth <= 0) return;
  try {
    yield* walk(context);
  } catch (error) {
    context.warn(corruptMessage(file, error, kind));
  }
}

/** A tar (or compressed tar) whose first entry names a container image part. */
async function isImageCandidate(path: string, head: Buffer, format: Format): Promise<boolean> {
  if (format === 'tar') return looksLikeImageEntry(firstTarName(head));
  if (!isCompression(format)) return false;
  // Peek through the compression at the first tar header (a stream of its own), then let go.
  const decoded = new PeekableStream(DECODERS[format](createReadStream(path, { highWaterMark: 64 * 1024 })));
  try {
    const inner = await decoded.peek(SNIFF_HEAD_BYTES);
    return detectFormat(inner) === 'tar' && looksLikeImageEntry(firstTarName(inner));
  } catch {
    return false;
  } finally {
    await decoded.close().catch(() => undefined);
  }
}

/** The same warning twice (a limit hit at every level of a nesting) is said once. */
function onceEach(warnings: string[]): (message: string) => void {
  const said = new Set<string>();
  return (message) => {
    if (said.has(message)) return;
    said.add(message);
    warnings.push(message);
  };
}
