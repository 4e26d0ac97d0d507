// One streaming decoder per compression format, each counted against the budget and the ratio.
import { sliced } from './byte-stream.js';
import { bunzip2 } from './bzip2.js';
import type { Compression } from './formats.js';
import { gunzip } from './gzip.js';
import { RATIO_FLOOR_BYTES, type Budget } from './limits.js';
import { unxz } from './xz.js';
import { unzstd } from './zstd.js';

const RATIO_STEP_BYTES = 16 * 1024;

export type Decoder = (input: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>;

export const DECODERS: Record<Compression, Decoder> = { gzip: gunzip, bzip2: bunzip2, xz: unxz, zstd: unzstd };

/**
 * `decoder` over `input`, giving out no byte past the top-level file's budget and stopping an
 * entry whose output passes `maxRatio` times the input it has read. A limit hit ends the stream
 * normally and calls `onLimit` once, so the scan keeps what it has.
 */
export async function* metered(
  decoder: Decoder,
  input: AsyncIterable<Buffer>,
  budget: Budget,
  onLimit: (message: string) => void,
): AsyncGenerator<Buffer> {
  let consumed = 0;
  let produced = 0;
  // Counted in 16 KiB steps: a reader that hands over a whole compressed entry at once must not
  // look like input read.
  const counted = async function* () {
    for await (const chunk of sliced(input, RATIO_STEP_BYTES)) {
      consumed += chunk.length;
      yield chunk;
    }
  };
  const { maxRatio, maxBytes } = budget.limits;
  for await (const chunk of decoder(counted())) {
    if (budget.exhausted) return;
    const granted = budget.take(chunk.length);
    produced += granted;
    if (granted > 0) yield granted === chunk.length ? chunk : chunk.subarray(0, granted);
    if (granted < chunk.length) {
      budget.cuts++;
      onLimit(`more than --max-archive-bytes ${maxBytes} bytes decompressed; the rest is not scanned`);
      return;
    }
    if (produced > RATIO_FLOOR_BYTES && produced > maxRatio * consumed) {
      budget.cuts++;
      onLimit(
        `compression ratio over ${maxRatio}:1 (${produced} bytes from ${consumed}); the rest of it is not scanned`,
      );
      return;
    }
  }
}
