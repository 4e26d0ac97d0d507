// gzip through Node's own zlib: concatenated members are one stream, as gzip -d reads them.
import { createGunzip } from 'node:zlib';
import { pumpTransform } from './transform-pump.js';

export function gunzip(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // 16 KiB slices: the ratio check sees input in steps of 16 KiB (at most ~16 MiB out per step).
  return pumpTransform(input, createGunzip({ chunkSize: 64 * 1024 }), 16 * 1024);
}
