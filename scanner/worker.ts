// A worker thread of the pool: compiles the rules once, then scans the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { createFinder } from './finder.js';
import { scanFiles } from './scan-files.js';
import { decodeEntries, type WorkerInit } from './worker-messages.js';

const init = workerData as WorkerInit;
const finder = createFinder(init.ruleSet, init);
parentPort?.on('message', async (batch: string) => {
  parentPort?.postMessage(
    await scanFiles(decodeEntries(batch), finder, {
      maxFileSize: init.maxFileSize,
      ...(init.archives && { archives: init.archives }),
    }),
  );
});
