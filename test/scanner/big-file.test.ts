// A 1 GB file: skipped by default, scanned in flat memory with --max-file-size 0. The file is
// sparse (no disk used): a text head, then zeros, then a key near the end.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testKey } from './keys.js';
import { runLfk } from './run-lfk.js';

const GIB = 1024 ** 3;
const KEY = testKey('big-1');
const cwd = mkdtempSync(join(tmpdir(), 'lfk-big-'));
const file = join(cwd, 'huge.log');
const fd = openSync(file, 'w');
// More than the 8000 bytes binary sniffing looks at, so the file counts as text.
writeSync(fd, 'a text head so the file sniffs as text\n'.repeat(300), 0);
writeSync(fd, `\nkey=${KEY}\n`, GIB - 100);
ftruncateSync(fd, GIB);
closeSync(fd);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('a 1 GB file', () => {
  it('is skipped by default, with a warning, and counted in stats.skipped', async () => {
    const run = await runLfk(['scan', '--format', 'json', '.'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`huge.log: ${GIB} bytes is over --max-file-size ${100 * 1024 * 1024}, skipped`);
    expect(JSON.parse(run.stdout).stats).toMatchObject({ files: 0, skipped: 1 });
  });

  it('is scanned with --max-file-size 0 in bounded memory', async () => {
    // GNU time reports the child's peak resident set size in KiB on its last stderr line.
    const run = await runLfk(['scan', '--format', 'json', '--max-file-size', '0', 'huge.log'], {
      cwd,
      wrapper: ['/usr/bin/time', '-f', 'maxrss=%M'],
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: Record<string, unknown>) => [f.line, f.column])).toEqual([[302, 5]]);
    expect(report.stats).toMatchObject({ files: 1, bytes: GIB, skipped: 0 });
    const peakKiB = Number(/maxrss=(\d+)/.exec(run.stderr)?.[1]);
    expect(peakKiB).toBeGreaterThan(0);
    // Reading 1 GiB whole would need over 1 GiB; chunked reading stays near Node's baseline.
    expect(peakKiB).toBeLessThan(300 * 1024);
  }, 120_000);
});
