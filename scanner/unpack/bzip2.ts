// bzip2 through unbzip2-stream's block decoder. Its stream wrapper is not used: it keeps a block's
// output as an array of numbers (8 bytes a byte) and decodes every block left at the end of input
// at once, which made 785 bytes of bzip2 (1 GiB of zeros) take 2.9 GB. Here one block is decoded
// at a time, into Buffers, and given out before the next: memory is one block's output (at most
// ~46 MB, a 900 kB block of runs) plus the 3.6 MB block buffer.

const OUT_BYTES = 64 * 1024;
/** Input held ahead of the decoder: a compressed block never needs more (as the library's stream). */
const lookahead = (blockSize: number) => 25_000 + 100_000 * blockSize;

export async function* bunzip2(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Loaded when first needed, as every unpacking library.
  const [{ default: bitIterator }, { default: bzip2 }] = await Promise.all([
    import('unbzip2-stream/lib/bit_iterator.js'),
    import('unbzip2-stream/lib/bzip2.js'),
  ]);
  const queue: Buffer[] = [];
  let received = 0;
  let inputDone = false;
  const iterator = input[Symbol.asyncIterator]();
  let bits!: ReturnType<typeof bitIterator>;
  // Reads until `bytes` are held past what the decoder has taken, or the input ends.
  const fill = async (bytes: number) => {
    while (!inputDone && received - (bits?.bytesRead ?? 0) < bytes) {
      const step = await iterator.next();
      if (step.done) inputDone = true;
      else {
        queue.push(step.value);
        received += step.value.length;
      }
    }
  };
  try {
    await fill(lookahead(9));
    if (received === 0) return;
    // It takes its first buffer when made: only once there is one.
    bits = bitIterator(() => queue.shift());
    for (;;) {
      // A stream: header, blocks, end marker; another stream may follow (pbzip2, cat a.bz2 b.bz2).
      const blockSize = bzip2.header(bits);
      const buffer = new Int32Array(100_000 * blockSize);
      let crc: number | null = 0;
      for (;;) {
        await fill(lookahead(blockSize));
        const block = new BlockOutput();
        crc = bzip2.decompress(bits, block.write, buffer, buffer.length, crc);
        yield* block.chunks();
        if (crc === null) break;
      }
      await fill(lookahead(9));
      // Anything left must be another stream (a garbage tail fails its header check).
      if (received - bits.bytesRead <= 0) return;
    }
  } finally {
    await iterator.return?.();
  }
}

/** One block's bytes, gathered into Buffers as the decoder writes them one by one. */
class BlockOutput {
  private readonly done: Buffer[] = [];
  private current = Buffer.allocUnsafe(OUT_BYTES);
  private used = 0;
  readonly write = (byte: number): void => {
    if (this.used === OUT_BYTES) {
      this.done.push(this.current);
      this.current = Buffer.allocUnsafe(OUT_BYTES);
      this.used = 0;
    }
    this.current[this.used++] = byte;
  };
  *chunks(): Generator<Buffer> {
    yield* this.done;
    if (this.used > 0) yield this.current.subarray(0, this.used);
  }
}
