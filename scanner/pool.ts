// Spreads files over threads. Batches are queued as the walk finds them; each worker keeps four in
// flight so it never waits on the main thread, and once the walk is done the main thread scans
// from the same queue too (by default one worker per core but one, plus the main thread: on two
// cores that saves starting a second Node isolate).
import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { RuleSet } from '../rules/types.js';
import { createFinder } from './finder.js';
import { scanFiles, type FilesResult } from './scan-files.js';
import type { FileEntry, ReadOptions } from './sources/file-fragments.js';
import type { ArchiveOptions } from './unpack/scan-archive.js';
import { addStats, emptyStats } from './types.js';
import { encodeEntries, type WorkerInit } from './worker-messages.js';

const IN_FLIGHT = 4;
/** Files the main thread scans between two looks at the workers' answers. */
const MAIN_SLICE = 64;

export interface PoolOptions {
  ruleSet: RuleSet;
  reportInvalid: boolean;
  maxFileSize: number;
  archives?: ArchiveOptions;
  maxDecodeDepth: number;
  /** Worker threads; when given, the main thread does not scan. */
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
    const init: WorkerInit = {
      ruleSet: options.ruleSet,
      reportInvalid: options.reportInvalid,
      maxFileSize: options.maxFileSize,
      maxDecodeDepth: options.maxDecodeDepth,
      ...(options.archives && { archives: options.archives }),
    };
    const count = Math.max(1, options.workers ?? availableParallelism() - 1);
    this.running = Array.from({ length: count }, () => this.work(new Worker(workerUrl(), { workerData: init })));
  }

  push(batch: FileEntry[]): void {
    if (batch.length === 0) return;
    const taker = this.waiting.shift();
    if (taker) taker(batch);
    else this.queue.push(batch);
  }

  /** No more batches: helps with what is queued, then resolves once every file is scanned. */
  async finish(): Promise<FilesResult> {
    this.closed = true;
    for (const taker of this.waiting.splice(0)) taker(undefined);
    if (this.options.workers === undefined) {
      const options = this.options;
      const finder = createFinder(options.ruleSet, options);
      for (let batch = this.queue.shift(); batch; batch = this.queue.shift()) {
        // In slices, letting the workers' answers in between, so they get their next batches in time.
        for (let start = 0; start < batch.length; start += MAIN_SLICE) {
          const slice = batch.slice(start, start + MAIN_SLICE);
          this.collect(await scanFiles(slice, finder, readOptions(options)), slice.length);
          await setImmediate();
        }
      }
    }
    await Promise.all(this.running);
    return this.total;
  }

  private take(): Promise<FileEntry[] | undefined> {
    const batch = this.queue.shift();
    if (batch || this.closed) return Promise.resolve(batch);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private collect(result: FilesResult, files: number): void {
    this.total.findings.push(...result.findings);
    this.total.warnings.push(...result.warnings);
    addStats(this.total.stats, result.stats);
    this.done += files;
    this.options.onProgress?.(this.done);
  }

  private async work(worker: Worker): Promise<void> {
    // A worker answers its batches in the order it got them.
    const answers: Array<{ resolve: (result: FilesResult) => void; reject: (error: Error) => void }> = [];
    worker.on('message', (result: FilesResult) => answers.shift()?.resolve(result));
    worker.on('error', (error) => {
      for (const answer of answers.splice(0)) answer.reject(error);
    });
    const inFlight = new Set<Promise<void>>();
    try {
      for (let batch = await this.take(); batch; batch = await this.take()) {
        const files = batch.length;
        const answered = new Promise<FilesResult>((resolve, reject) => answers.push({ resolve, reject })).then(
          (result) => this.collect(result, files),
        );
        worker.postMessage(encodeEntries(batch));
        const tracked = answered.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      await worker.terminate();
    }
  }
}

function readOptions(options: Pick<PoolOptions, 'maxFileSize' | 'archives'>): ReadOptions {
  return { maxFileSize: options.maxFileSize, ...(options.archives && { archives: options.archives }) };
}

/**
 * Workers need JavaScript: from the sources (tests run .ts) use the build in dist/. In the build
 * this code sits one folder under dist/ (cli/, scanner/ or chunks/), so `../scanner/` is the worker's.
 */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../dist/scanner/worker.cjs', import.meta.url)
    : new URL('../scanner/worker.cjs', import.meta.url);
}
