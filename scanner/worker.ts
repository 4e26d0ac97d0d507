// A worker thread of the pool: compiles the rules once, then scans the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { scanFiles } from './scan-files.js';
import { detectorFor } from './validators.js';
import { decodeEntries, type WorkerInit } from './worker-messages.js';

const init = workerData as WorkerInit;
const detector = detectorFor(init.ruleSet, { reportInvalid: init.reportInvalid });
parentPort?.on('message', async (batch: string) => {
  parentPort?.postMessage(await scanFiles(decodeEntries(batch), detector, { maxFileSize: init.maxFileSize, ...(init.archives && { archives: init.archives }) }));
});
