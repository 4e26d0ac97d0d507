// Spreads files over worker threads, one per core. Batches are queued as the walk finds files and
// handed out as workers finish, so the walk and the scan overlap and no core waits on another.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../rules/types.js';
import type { FilesResult } from './scan-files.js';
import type { FileEntry } from './sources/file-fragments.js';
import { addStats, emptyStats } from './types.js';
import type { WorkerInit } from './worker.js';

export interface PoolOptions {
  ruleSet: RuleSet;
  reportInvalid: boolean;
  maxFileSize: number;
  workers?: number;
  /** Called with the number of files done so far. */
  onProgress?: (done: number) => void;
}

export class ScanPool {
  private readonly queue: FileEntry[][] = [];
  private readonly waiting: Array<(batch: FileEntry[] | undefined) => void> = [];
  private closed = false;
  private done = 0;
  private readonly total: FilesResult = { findings: [], warnings: [], stats: emptyStats() };
  private readonly running: Promise<void>[];

  constructor(private readonly options: PoolOptions) {
    const init: WorkerInit = { ruleSet: options.ruleSet, reportInvalid: options.reportInvalid, maxFileSize: options.maxFileSize };
    const count = Math.max(1, options.workers ?? availableParallelism());
    this.running = Array.from({ length: count }, () => this.work(new Worker(workerUrl(), { workerData: init })));
  }

  push(batch: FileEntry[]): void {
    if (batch.length === 0) return;
    const taker = this.waiting.shift();
    if (taker) taker(batch);
    else this.queue.push(batch);
  }

  /** No more batches: resolves once every queued file is scanned. */
  async finish(): Promise<FilesResult> {
    this.closed = true;
    for (const taker of this.waiting.splice(0)) taker(undefined);
    await Promise.all(this.running);
    return this.total;
  }

  private take(): Promise<FileEntry[] | undefined> {
    const batch = this.queue.shift();
    if (batch || this.closed) return Promise.resolve(batch);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async work(worker: Worker): Promise<void> {
    try {
      for (let batch = await this.take(); batch; batch = await this.take()) {
        const result = await runBatch(worker, batch);
        this.total.findings.push(...result.findings);
        this.total.warnings.push(...result.warnings);
        addStats(this.total.stats, result.stats);
        this.done += batch.length;
        this.options.onProgress?.(this.done);
      }
    } finally {
      await worker.terminate();
    }
  }
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

/** Workers need JavaScript: from the sources (tests run .ts) use the build in dist/. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../dist/scanner/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url);
}
