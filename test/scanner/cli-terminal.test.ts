// On a terminal: colour unless NO_COLOR, and a progress bar on stderr. `script` gives the child a
// pseudo-terminal (util-linux); without it the test is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureLfkRun } from '../support/leak-capture.js';
import { testKey } from './keys.js';
import { LFK_BIN } from './run-lfk.js';

const SCRIPT = '/usr/bin/script';

function onTerminal(args: string, cwd: string, env: Record<string, string> = {}): string {
  const run = spawnSync(SCRIPT, ['-qec', `${process.execPath} ${LFK_BIN} ${args}`, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', ...env },
  });
  captureLfkRun(args.split(' '), cwd, run);
  return run.stdout;
}

describe.skipIf(!existsSync(SCRIPT))('lfk scan on a terminal', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lfk-tty-'));
  for (let i = 0; i < 6; i++) {
    mkdirSync(join(cwd, `d${i}`));
    writeFileSync(join(cwd, `d${i}`, 'k.env'), `KEY=${testKey(`tty-${i}`)}\n`);
  }

  it('colours the report, and NO_COLOR turns it off', () => {
    const coloured = onTerminal('scan d0', cwd);
    expect(coloured).toContain('\x1b[36md0/k.env:1:5\x1b[0m');
    const plain = onTerminal('scan d0', cwd, { NO_COLOR: '1' });
    expect(plain).toContain('d0/k.env:1:5  trustleads-api-key');
    expect(plain).not.toContain('\x1b[');
  });

  it('draws a progress bar while the pool scans, and clears it', () => {
    const output = onTerminal('scan --workers 2 .', cwd, { NO_COLOR: '1' });
    expect(output).toMatch(/\r\[#+\] 6\/6 files/);
    expect(output).toContain('\r\x1b[K');
    expect(output).toContain('6 keys found in 6 files');
  });

  it('draws nothing on stderr when it is not a terminal', () => {
    const run = spawnSync(process.execPath, [LFK_BIN, 'scan', '--workers', '2', '.'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '' },
    });
    captureLfkRun(['scan', '--workers', '2', '.'], cwd, run);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\x1b[');
  });
});
