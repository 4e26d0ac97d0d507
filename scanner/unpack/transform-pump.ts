// Drives a Node Transform stream (zlib, lzma-native) as an async generator whose memory stays
// bounded: input goes in one small slice at a time, the next slice only once the output of the
// last one has been taken, and the generator's consumer can stop at any moment (the stream is
// destroyed). lzma-native produces all output of a slice whatever the reader's pace, so the slice
// size bounds its bursts (slice × the format's best ratio); zlib also pauses mid-slice.
import type { Transform } from 'node:stream';
import { sliced } from './byte-stream.js';

/** Output held before the stream is paused. */
const HELD_BYTES = 1 << 20;

export async function* pumpTransform(
  input: AsyncIterable<Buffer>,
  stream: Transform,
  sliceBytes: number,
): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  let held = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve));
  stream.on('data', (chunk: Buffer) => {
    out.push(chunk);
    held += chunk.length;
    if (held >= HELD_BYTES) stream.pause();
    signal();
  });
  stream.on('end', () => {
    ended = true;
    signal();
  });
  stream.on('error', (error: Error) => {
    failure ??= error;
    signal();
  });

  let taken = Promise.resolve();
  let release: (() => void) | undefined;
  // The writer: one slice, its callback, then wait until the reader has taken the output.
  const writer = (async () => {
    try {
      for await (const slice of sliced(input, sliceBytes)) {
        if (failure || stream.destroyed) return;
        await new Promise<void>((resolve) => stream.write(slice, () => resolve()));
        if (held > 0) {
          taken = new Promise((resolve) => (release = resolve));
          signal();
          await taken;
        }
      }
      if (!failure && !stream.destroyed) stream.end();
    } catch (error) {
      failure ??= error as Error;
      signal();
    } finally {
      signal();
    }
  })();

  try {
    for (;;) {
      if (out.length > 0) {
        const chunk = out.shift()!;
        held -= chunk.length;
        if (held < HELD_BYTES && stream.isPaused()) stream.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      if (release) {
        const go = release;
        release = undefined;
        go();
      }
      await waitForChange();
    }
  } finally {
    release?.();
    stream.destroy();
    // A destroyed stream never calls back the pending write: the writer is left to the GC.
    void writer.catch(() => undefined);
  }
}
