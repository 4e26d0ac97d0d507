// What a file's first bytes say it is. A NUL byte means binary, unless the NULs fall in every
// other byte as in UTF-16 text without a byte-order mark.
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export const SNIFF_BYTES = 8000;

export function sniffEncoding(head: Buffer): TextEncoding | 'binary' {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const sample = head.subarray(0, SNIFF_BYTES);
  if (!sample.includes(0)) return 'utf-8';
  let evenZeros = 0;
  let oddZeros = 0;
  const pairs = Math.floor(sample.length / 2);
  for (let i = 0; i < pairs * 2; i += 2) {
    if (sample[i] === 0) evenZeros++;
    if (sample[i + 1] === 0) oddZeros++;
  }
  // Mostly-ASCII UTF-16: nearly every high (LE: odd) byte is 0 and hardly any low byte is.
  if (pairs >= 2 && oddZeros >= pairs * 0.9 && evenZeros <= pairs * 0.1) return 'utf-16le';
  if (pairs >= 2 && evenZeros >= pairs * 0.9 && oddZeros <= pairs * 0.1) return 'utf-16be';
  return 'binary';
}
