// The standard-input source (`lfk scan -`): the same bounded, overlapping fragments as a file. Any
// stream of bytes read whole (a blob from GitHub) takes the same way.
import type { Fragment, Source, SourceOutcome } from '../types.js';
import { FragmentSplitter } from './file-fragments.js';
import { sniffEncoding } from './sniff.js';

export const STDIN_FILE = '-';

export function streamSource(input: AsyncIterable<Buffer | string>, file = STDIN_FILE): Source {
  return { file, explicit: true, fragments: () => streamFragments(input, file) };
}

export async function* streamFragments(input: AsyncIterable<Buffer | string> | Iterable<Buffer>, file = STDIN_FILE): AsyncGenerator<Fragment, SourceOutcome> {
  let splitter: FragmentSplitter | undefined;
  let bytes = 0;
  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    bytes += chunk.length;
    if (!splitter) {
      const encoding = sniffEncoding(chunk);
      if (encoding === 'binary') return { kind: 'binary' };
      splitter = new FragmentSplitter(encoding, file);
    }
    const fragment = splitter.push(chunk);
    if (fragment) yield fragment;
  }
  const fragment = splitter?.push(null);
  if (fragment) yield fragment;
  return { kind: 'text', bytes };
}
