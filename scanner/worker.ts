// A worker thread of the pool. It may be started before the rules are known (while the command
// still loads them), so the first message is the rules; every later one is a batch to scan.
import { parentPort } from 'node:worker_threads';
import type { Detector } from './detect.js';
import { scanFiles } from './scan-files.js';
import { detectorFor } from './validators.js';
import { decodeEntries, type WorkerInit } from './worker-messages.js';

let init: WorkerInit | undefined;
let detector: Detector | undefined;
parentPort?.on('message', async (message: WorkerInit | string) => {
  if (typeof message !== 'string') {
    init = message;
    detector = detectorFor(init.ruleSet, { reportInvalid: init.reportInvalid });
    return;
  }
  if (!init || !detector) throw new Error('scanner worker: a batch came before the rules');
  parentPort?.postMessage(await scanFiles(decodeEntries(message), detector, { maxFileSize: init.maxFileSize }));
});
