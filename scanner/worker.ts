// A worker thread of the pool: compiles the rules once, then scans the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { RuleSet } from '../rules/types.js';
import { scanFiles } from './scan-files.js';
import type { FileEntry } from './sources/file-fragments.js';
import { detectorFor } from './validators.js';

export interface WorkerInit {
  ruleSet: RuleSet;
  reportInvalid: boolean;
  maxFileSize: number;
}

const init = workerData as WorkerInit;
const detector = detectorFor(init.ruleSet, { reportInvalid: init.reportInvalid });
parentPort?.on('message', async (batch: FileEntry[]) => {
  parentPort?.postMessage(await scanFiles(batch, detector, { maxFileSize: init.maxFileSize }));
});
