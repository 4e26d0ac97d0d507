// Spreads files over worker threads, one per core. Batches are handed out as workers finish, so a
// few huge files do not leave the other cores idle.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../rules/types.js';
import type { FilesResult } from './scan-files.js';
import type { FileEntry } from './sources/file-fragments.js';
import { addStats, emptyStats } from './types.js';
import type { WorkerInit } from './worker.js';

const BATCH_BYTES = 4 << 20;
const BATCH_FILES = 256;

export interface PoolOptions {
  ruleSet: RuleSet;
  reportInvalid: boolean;
  workers?: number;
  /** Called with the number of files done so far. */
  onProgress?: (done: number) => void;
}

export function workerCount(requested?: number): number {
  return Math.max(1, requested ?? availableParallelism());
}

export async function scanInWorkers(entries: readonly FileEntry[], options: PoolOptions): Promise<FilesResult> {
  const batches = toBatches(entries);
  const total: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  const init: WorkerInit = { ruleSet: options.ruleSet, reportInvalid: options.reportInvalid };
  let next = 0;
  let done = 0;
  const count = Math.min(workerCount(options.workers), batches.length);
  await Promise.all(
    Array.from({ length: count }, async () => {
      const worker = new Worker(workerUrl(), { workerData: init });
      try {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const result = await runBatch(worker, batch);
          total.findings.push(...result.findings);
          total.warnings.push(...result.warnings);
          addStats(total.stats, result.stats);
          done += batch.length;
          options.onProgress?.(done);
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  return total;
}

function runBatch(worker: Worker, batch: FileEntry[]): Promise<FilesResult> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    const onMessage = (result: FilesResult) => {
      worker.off('error', onError);
      resolve(result);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(batch);
  });
}

function toBatches(entries: readonly FileEntry[]): FileEntry[][] {
  const batches: FileEntry[][] = [];
  let current: FileEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && (bytes + entry.size > BATCH_BYTES || current.length >= BATCH_FILES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Workers need JavaScript: from the sources (tests run .ts) use the build in dist/. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../dist/scanner/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url);
}
