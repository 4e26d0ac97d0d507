// The floor for any scanner written for Node on this machine: walk the folder, then open, read,
// search the keyword bytes and close every file, on the main thread and one worker thread (half
// the files each). No rules, no detection, no report. bench/scan.ts times it beside lfk and rg.
//   node bench/node-floor.mjs FOLDER
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readdirSync, openSync, readSync, closeSync } from 'node:fs';
const needle = Buffer.from('k_sk_');
function scan(files) {
  const buf = Buffer.allocUnsafe(1 << 20);
  let hits = 0;
  for (const f of files) {
    const fd = openSync(f, 'r');
    for (let pos = 0; ; ) { const n = readSync(fd, buf, 0, buf.length, pos); if (n === 0) break; pos += n; if (buf.subarray(0, n).includes(needle)) { hits++; break; } if (n < buf.length) break; }
    closeSync(fd);
  }
  return hits;
}
if (isMainThread) {
  const t = performance.now();
  const worker = new Worker(new URL(import.meta.url), { workerData: null });
  const files = [];
  const stack = [process.argv[2]];
  while (stack.length) { const dir = stack.pop(); for (const d of readdirSync(dir, { withFileTypes: true })) { if (d.isDirectory()) stack.push(dir + '/' + d.name); else if (d.isFile()) files.push(dir + '/' + d.name); } }
  const half = files.length >> 1;
  const other = new Promise((resolve) => worker.once('message', resolve));
  worker.postMessage(files.slice(half).join('\0'));
  const mine = scan(files.slice(0, half));
  const theirs = await other;
  await worker.terminate();
  console.log(`floor: ${files.length} files, ${mine + theirs} hits, ${(performance.now() - t).toFixed(0)} ms after start`);
} else {
  parentPort.once('message', (m) => parentPort.postMessage(scan(m.split('\0'))));
}
