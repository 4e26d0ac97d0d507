// zstd through zstd-napi's binding (libzstd, compiled from the sources inside the package by
// node-gyp at install; ~4x faster than the pure-JS fzstd here). Its streaming call decodes into a
// buffer we give it, so this loop never holds more than one 128 KiB output buffer.
/** zstd's own default limit: frames that need a window over 128 MiB are refused. */
export const ZSTD_WINDOW_LOG_MAX = 27;
const OUT_BYTES = 128 * 1024;

export async function* unzstd(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Loaded when first needed: a scan without zstd never loads the native addon.
  const { default: binding } = await import('zstd-napi/binding.js');
  const context = new binding.DCtx();
  context.setParameter(binding.DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX);
  let inFrame = false;
  for await (let source of input) {
    while (source.length > 0) {
      const out = Buffer.allocUnsafe(OUT_BYTES);
      const [hint, produced, consumed] = context.decompressStream(out, source);
      source = source.subarray(consumed);
      inFrame = hint !== 0;
      if (produced > 0) yield out.subarray(0, produced);
    }
    // What the decoder still holds from input already given.
    for (;;) {
      const out = Buffer.allocUnsafe(OUT_BYTES);
      const [hint, produced] = context.decompressStream(out, Buffer.alloc(0));
      // With no input, the hint speaks of a next frame that may never come: only output counts.
      if (produced > 0) inFrame = hint !== 0;
      if (produced > 0) yield out.subarray(0, produced);
      if (produced < OUT_BYTES) break;
    }
  }
  if (inFrame) throw new Error('zstd data ends in the middle of a frame');
}
