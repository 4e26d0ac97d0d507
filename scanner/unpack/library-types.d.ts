// Types for the parts of untyped libraries that unpack/ uses.
declare module 'lzma-native' {
  import type { Transform } from 'node:stream';
  interface DecompressorOptions {
    memlimit?: number;
    synchronous?: boolean;
  }
  const lzma: { createDecompressor(options?: DecompressorOptions): Transform };
  export default lzma;
}

// unbzip2-stream's block decoder (the package's lib/, which its stream wraps).
declare module 'unbzip2-stream/lib/bzip2.js' {
  type Bits = ((count: number | null) => number) & { bytesRead: number };
  const bzip2: {
    /** Reads `BZh` and the level; returns the block size in 100 kB. */
    header(bits: Bits): number;
    /** Decodes one block into `write`; returns the running stream CRC, or null at the stream's end. */
    decompress(
      bits: Bits,
      write: (byte: number) => void,
      buffer: Int32Array,
      bufferSize: number,
      streamCrc: number,
    ): number | null;
  };
  export default bzip2;
}

declare module 'unbzip2-stream/lib/bit_iterator.js' {
  function bitIterator(next: () => Buffer | undefined): ((count: number | null) => number) & { bytesRead: number };
  export default bitIterator;
}
