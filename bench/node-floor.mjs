// The floor for any scanner written for Node on this machine: walk the folder, then open, read,
// search the keyword bytes and close every file, on the main thread and one worker thread. No
// rules, no detection, no report. It is built the way lfk is: the walk hands batches of 256
// paths to the worker as it goes (four in flight), and once the walk ends the main thread scans
// from the same queue too. bench/scan.ts times it beside lfk and rg.
//   node bench/node-floor.mjs FOLDER
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { readdirSync, openSync, readSync, closeSync } from 'node:fs';
import { setImmediate as turn } from 'node:timers/promises';

const needle = Buffer.from('k_sk_');
const buffer = Buffer.allocUnsafe(1 << 20);

function scan(files) {
  let hits = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    for (let position = 0; ; ) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      position += n;
      if (buffer.subarray(0, n).includes(needle)) {
        hits++;
        break;
      }
      if (n < buffer.length) break;
    }
    closeSync(fd);
  }
  return hits;
}

if (isMainThread) {
  const started = performance.now();
  const worker = new Worker(new URL(import.meta.url));
  const queue = [];
  let inFlight = 0;
  let hits = 0;
  let files = 0;
  let walking = true;
  let allAnswered;
  const answered = new Promise((resolve) => (allAnswered = resolve));
  const feed = () => {
    while (inFlight < 4 && queue.length > 0) {
      worker.postMessage(queue.shift().join('\0'));
      inFlight++;
    }
    if (!walking && inFlight === 0 && queue.length === 0) allAnswered();
  };
  worker.on('message', (workerHits) => {
    hits += workerHits;
    inFlight--;
    feed();
  });
  let batch = [];
  const folders = [process.argv[2]];
  while (folders.length > 0) {
    const folder = folders.pop();
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) folders.push(`${folder}/${entry.name}`);
      else if (entry.isFile()) batch.push(`${folder}/${entry.name}`);
    }
    if (batch.length >= 256) {
      files += batch.length;
      queue.push(batch);
      batch = [];
      feed();
      await turn();
    }
  }
  files += batch.length;
  queue.push(batch);
  walking = false;
  for (let mine = queue.pop(); mine; mine = queue.pop()) {
    hits += scan(mine);
    await turn();
  }
  feed();
  await answered;
  await worker.terminate();
  console.log(`floor: ${files} files, ${hits} hits, ${(performance.now() - started).toFixed(0)} ms after start`);
} else {
  parentPort.on('message', (paths) => parentPort.postMessage(scan(paths.split('\0'))));
}
