// gzip through Node's own zlib: concatenated members are one stream, as gzip -d reads them.
import { createGunzip } from 'node:zlib';
import { pumpTransform } from './transform-pump.js';

export function gunzip(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // zlib honours back-pressure inside a slice too, so slices can be large.
  return pumpTransform(input, createGunzip({ chunkSize: 64 * 1024 }), 64 * 1024);
}
