// Batches reach the worker threads as one string: every path must come back exactly.
import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../../scanner/sources/file-fragments.js';
import { decodeEntries, encodeEntries } from '../../scanner/worker-messages.js';

describe('worker messages', () => {
  it('round-trips file entries, odd names and the explicit flag included', () => {
    const entries: FileEntry[] = [
      { path: '/repo/src/a.ts', file: 'src/a.ts' },
      { path: '/repo/with space/é ü 日本.txt', file: 'with space/é ü 日本.txt', explicit: true },
      { path: '/repo/line\nbreak', file: 'line\nbreak' },
      { path: '/repo/1', file: '1' },
      { path: '/repo/empty-explicit', file: '', explicit: true },
    ];
    expect(decodeEntries(encodeEntries(entries))).toEqual(entries);
    expect(decodeEntries(encodeEntries([]))).toEqual([]);
  });
});
