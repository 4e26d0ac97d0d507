// Inputs for the unpacking tests, built fresh with the real tools (zip, tar, gzip, bzip2, xz,
// zstd) around a key generated at run time; and a JSON scan through the built CLI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe } from 'vitest';
import { runLfk, type LfkRun } from './run-lfk.js';

export const TOOLS = ['zip', 'tar', 'gzip', 'bzip2', 'xz', 'zstd'] as const;
export const MISSING_TOOLS = TOOLS.filter(
  (tool) => !['/usr/bin', '/bin', '/usr/local/bin'].some((dir) => existsSync(join(dir, tool))),
);
if (MISSING_TOOLS.length > 0) console.warn(`unpack tests skipped: ${MISSING_TOOLS.join(', ')} not installed`);

/** describe, skipped loudly when one of the archive tools is missing. */
export const describeWithTools = describe.skipIf(MISSING_TOOLS.length > 0);

/** `A=1`, a comment, then the key at line 3, column 18. */
export function envText(key: string): string {
  return `A=1\n# settings\n  TRUSTLEADS_KEY=${key}\n`;
}
export const KEY_LINE = 3;
export const KEY_COLUMN = 18;

export function folder(files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'lfk-unpack-'));
  write(root, files);
  return root;
}

export function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

/** Runs a tool in `cwd` through a shell (for pipes and redirections). */
export function sh(command: string, cwd: string): void {
  execFileSync('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  secret: string;
  deleted_in_layer?: boolean;
}

export interface JsonScan {
  run: LfkRun;
  findings: JsonFinding[];
  warnings: string[];
  stats: { files: number; bytes: number; skipped: number; binary: number };
}

export async function scanJson(args: string[], cwd: string, wrapper?: string[]): Promise<JsonScan> {
  const run = await runLfk(['scan', '--format', 'json', '--no-redact', ...args], { cwd, ...(wrapper && { wrapper }) });
  if (run.code !== 0 && run.code !== 1) throw new Error(`lfk scan exited ${run.code}: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { findings: JsonFinding[]; stats: JsonScan['stats'] };
  const warnings = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('lfk: warning: '))
    .map((line) => line.slice('lfk: warning: '.length));
  return { run, findings: report.findings, warnings, stats: report.stats };
}

export const where = (findings: readonly JsonFinding[]) =>
  findings.map((finding) => [finding.file, finding.line, finding.column]);
