// gzip inside an encoded run (base64 of gzip of JSON), decompressed with a hard cap: a bomb (100 MB
// of zeros is 100 KB of gzip) gives its first INFLATE_CAP bytes and a warning, never a memory spike.
import { constants, gunzipSync, type ZlibOptions } from 'node:zlib';

export const INFLATE_CAP = 1 << 20;
// Sync flush: a cut or truncated stream gives what it holds instead of an error.
const OPTIONS: ZlibOptions = { maxOutputLength: INFLATE_CAP, finishFlush: constants.Z_SYNC_FLUSH };

export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/** At most INFLATE_CAP decompressed bytes (`cut` when there were more); undefined for broken data. */
export function gunzipCapped(bytes: Buffer): { bytes: Buffer; cut: boolean } | undefined {
  const whole = attempt(bytes);
  if (whole !== 'too large') return whole && { bytes: whole, cut: false };
  // Node gives nothing past the cap, so the longest input prefix that fits is found by halving:
  // each try stops at the cap, about twenty tries for the largest run.
  let fits: Buffer = Buffer.alloc(0);
  let low = 0;
  let high = bytes.length;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    const out = attempt(bytes.subarray(0, middle));
    if (out === 'too large') high = middle;
    else {
      if (out) fits = out;
      low = middle;
    }
  }
  return { bytes: fits, cut: true };
}

function attempt(bytes: Buffer): Buffer | 'too large' | undefined {
  try {
    return gunzipSync(bytes, OPTIONS);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large' : undefined;
  }
}
