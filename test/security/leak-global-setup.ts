// vitest globalSetup: a fresh capture folder for this run (its path reaches the test workers in
// LFK_LEAK_CAPTURE_DIR: they inherit this process's environment), and at the end the leak check
// over everything the run captured (test/support/leak-capture.ts).
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCapture, LEAK_CAPTURE_ENV } from '../support/leak-capture.js';

const CAPTURE_ROOT = fileURLToPath(new URL('../../.tmp/leak-capture', import.meta.url));
// Several runs may share a checkout at once: each has its own folder, and old ones are cleared.
const KEEP_OLD_RUNS_MS = 24 * 60 * 60_000;

let dir: string | undefined;

export function setup(): void {
  mkdirSync(CAPTURE_ROOT, { recursive: true });
  for (const name of readdirSync(CAPTURE_ROOT)) {
    const old = join(CAPTURE_ROOT, name);
    if (Date.now() - statSync(old).mtimeMs > KEEP_OLD_RUNS_MS) rmSync(old, { recursive: true, force: true });
  }
  dir = join(CAPTURE_ROOT, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.env[LEAK_CAPTURE_ENV] = dir;
}

export async function teardown(): Promise<void> {
  if (!dir) return;
  try {
    const scan = await checkCapture(dir);
    console.log(`leak check: ${scan.files} captured files, ${scan.lines} lines, no full key (${dir})`);
  } catch (error) {
    // vitest 4.1 logs a teardown error but still exits 0 (fixed upstream by vitest PR #10794):
    // the exit code is set here so `npm test` fails.
    process.exitCode = 1;
    throw error;
  }
}
