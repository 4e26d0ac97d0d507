// A stream of bytes that can be looked into before it is read: the walker peeks at a head to
// tell the format, then hands the whole stream (head included) on.

export class PeekableStream implements AsyncIterable<Buffer> {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private ended = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Up to `bytes` first bytes (fewer when the stream is shorter), kept for the reader. */
  async peek(bytes: number): Promise<Buffer> {
    while (this.heldBytes < bytes && !this.ended) {
      const step = await this.iterator.next();
      if (step.done) this.ended = true;
      else if (step.value.length > 0) {
        this.held.push(step.value);
        this.heldBytes += step.value.length;
      }
    }
    if (this.held.length > 1) this.held.splice(0, this.held.length, Buffer.concat(this.held));
    return (this.held[0] ?? Buffer.alloc(0)).subarray(0, bytes);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      while (this.held.length > 0) {
        const chunk = this.held.shift()!;
        this.heldBytes -= chunk.length;
        yield chunk;
      }
      while (!this.ended) {
        const step = await this.iterator.next();
        if (step.done) this.ended = true;
        else yield step.value;
      }
    } finally {
      // Stopping early closes the source (a file, a decoder, an archive entry).
      if (!this.ended) {
        this.ended = true;
        await this.iterator.return?.();
      }
    }
  }

  /** Closes the source without reading it. */
  async close(): Promise<void> {
    this.held.length = 0;
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}

/** Pieces of at most `size` bytes: decoders fed a little at a time give out a little at a time. */
export async function* sliced(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.length; offset += size) yield chunk.subarray(offset, offset + size);
  }
}
