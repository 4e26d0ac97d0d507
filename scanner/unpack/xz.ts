// xz through lzma-native (liblzma; the npm package ships prebuilt binaries, so nothing is
// downloaded or compiled at install). lzma-native writes out all of a slice's output at once, so
// input goes in 1 KiB slices: at LZMA's best ratio (~7000:1) that is at most ~7 MiB at a time.
import { pumpTransform } from './transform-pump.js';

/** liblzma refuses a stream whose dictionary needs more (xz -9 needs 65 MiB). */
export const XZ_MEMORY_LIMIT = 128 * 1024 * 1024;

export async function* unxz(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Loaded when first needed: a scan without xz never loads the native addon.
  const { default: lzma } = await import('lzma-native');
  // Synchronous: one stream at a time per thread anyway, and no thread-pool round trip per slice.
  const stream = lzma.createDecompressor({ memlimit: XZ_MEMORY_LIMIT, synchronous: true });
  yield* pumpTransform(input, stream, 1024);
}
