// Security: a scanned tree chooses its file names and its content, and a config its rule text.
// Control characters in them (ANSI colour, OSC title, CR, C1, bidi controls) must not reach the
// terminal or a CI log raw through lfk's text output: the report, the warnings and notes on
// stderr, fatal errors and `lfk rules list`. Only lfk's own colour codes may be escape sequences.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectNoRawControl } from '../support/raw-control.js';
import { captureLfkRun } from '../support/leak-capture.js';
import { testKey } from './keys.js';
import { LFK_BIN, runLfk } from './run-lfk.js';

/** Hostile names, each with the escaped form lfk prints. */
const NAMES: Array<[raw: string, shown: string]> = [
  ['\x1b[31mred\x1b[0m.js', '\\x1b[31mred\\x1b[0m.js'],
  ['\x1b]0;owned\x07.js', '\\x1b]0;owned\\x07.js'],
  ['a\rb.js', 'a\\rb.js'],
  ['invoice\u202egpj.js', 'invoice\\u202egpj.js'],
  ['c1\u009b2J.js', 'c1\\x9b2J.js'],
  ['new\nlfk: ok.js', 'new\\nlfk: ok.js'],
  ['tab\there\u2028.js', 'tab\\there\\u2028.js'],
];
const FIFO: [string, string] = ['pipe\x1b[2K\r.fifo', 'pipe\\x1b[2K\\r.fifo'];
const BASELINE: [string, string] = ['base\x1b[2J.json', 'base\\x1b[2J.json'];

/** A custom rule whose description, keyword and matched secret hold control characters. */
const CONFIG = `[[rules]]
id = "hostile-token"
description = "Hostile \\u001b]0;pwned\\u0007 token \\u202e\\u009b31m"
regex = '''tok:([^ ]{12,})'''
secretGroup = 1
keywords = ["tok:", "x\\u001b[2Ky"]
`;

function tree(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'lfk-ctrl-'));
  mkdirSync(join(cwd, 'tree'));
  NAMES.forEach(([name], i) => {
    writeFileSync(join(cwd, 'tree', name), `KEY=${testKey(`ctrl-${i}`)}\n`);
  });
  // Content with control characters, found by the custom rule: its redacted head is printed.
  writeFileSync(join(cwd, 'tree', 'content.txt'), 'tok:\x1b]0;owned-title\x07\x1b[2K \n');
  const fifo = spawnSync('mkfifo', [join(cwd, 'tree', FIFO[0])]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
  writeFileSync(
    join(cwd, BASELINE[0]),
    JSON.stringify({ findings: [{ fingerprint: 'trustleads-api-key:00000000deadbeef' }] }),
  );
  writeFileSync(join(cwd, '.lfk.toml'), CONFIG);
  return cwd;
}

describe('lfk scan: control characters from the scanned tree are escaped', () => {
  const cwd = tree();

  it('text report and stderr hold no raw control or bidi character, and the escaped names', async () => {
    const run = await runLfk(['scan', '--baseline', BASELINE[0], 'tree'], { cwd });
    expect(run.code).toBe(1);
    expectNoRawControl(run.stdout, 'stdout');
    expectNoRawControl(run.stderr, 'stderr');
    for (const [, shown] of NAMES) expect(run.stdout).toContain(`tree/${shown}:1:5  trustleads-api-key  `);
    // The custom rule's secret, redacted to its first four characters, escaped.
    expect(run.stdout).toContain('tree/content.txt:1:5  hostile-token  \\x1b]0;…');
    // One line per finding, a blank line and the summary: no name split a line.
    expect(run.stdout.split('\n')).toHaveLength(NAMES.length + 1 + 3);
    expect(run.stderr).toContain(`lfk: warning: tree/${FIFO[1]}: not a regular file (FIFO), skipped\n`);
    expect(run.stderr).toContain(`lfk: note: ${BASELINE[1]}: 1 entry matches no finding`);
  });

  it('--output FILE with text holds the escaped names too', async () => {
    const run = await runLfk(['scan', '--output', 'report.txt', 'tree'], { cwd });
    expect(run.code).toBe(1);
    const written = readFileSync(join(cwd, 'report.txt'), 'utf8');
    expectNoRawControl(written, 'report.txt');
    for (const [, shown] of NAMES) expect(written).toContain(`tree/${shown}:1:5`);
  });

  it('a fatal error naming a hostile path escapes it', async () => {
    const run = await runLfk(['scan', 'missing\x1b[2J\r.txt'], { cwd });
    expect(run.code).toBe(2);
    expectNoRawControl(run.stderr, 'stderr');
    expect(run.stderr).toBe('lfk: missing\\x1b[2J\\r.txt: no such file or directory\n');
  });

  it('lfk rules list escapes rule text from the config', async () => {
    const run = await runLfk(['rules', 'list'], { cwd });
    expect(run.code).toBe(0);
    expectNoRawControl(run.stdout, 'stdout');
    expect(run.stdout).toContain('hostile-token: Hostile \\x1b]0;pwned\\x07 token \\u202e\\x9b31m');
    expect(run.stdout).toContain('  keywords tok:, x\\x1b[2Ky');
  });

  // With colour on (stdout a terminal: `script` gives a pseudo-terminal, util-linux), the only
  // escape sequences are lfk's own SGR codes. stderr goes to a file, so no progress bar.
  it.skipIf(!existsSync('/usr/bin/script'))("with colour, the only ESC bytes are lfk's own SGR codes", () => {
    const command = `${process.execPath} ${LFK_BIN} scan tree 2>stderr.txt`;
    const run = spawnSync('/usr/bin/script', ['-qec', command, '/dev/null'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '', LFK_KEY_SERVICE_URL: '' },
    });
    captureLfkRun(['scan', 'tree'], cwd, run);
    // The terminal turns each line end into CR LF.
    const stdout = run.stdout.replace(/\r\n/g, '\n');
    expect(stdout).toContain('\x1b[36m');
    expectNoRawControl(stdout.replace(/\x1b\[\d+m/g, ''), 'stdout without SGR codes');
    for (const [, shown] of NAMES) expect(stdout).toContain(`\x1b[36mtree/${shown}:1:5\x1b[0m`);
    const stderr = readFileSync(join(cwd, 'stderr.txt'), 'utf8');
    expectNoRawControl(stderr, 'stderr');
    expect(stderr).toContain(`tree/${FIFO[1]}: not a regular file`);
  });
});
