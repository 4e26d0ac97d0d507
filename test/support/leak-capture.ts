// "Keys never leak from lfk itself" (issue 8): the shared test helpers copy what lfk says or keeps
// during a test run (log lines, audit events and the other rows of every test database, error
// bodies, CLI output, mail, notices, reports) into one folder per run, and
// test/security/leak-global-setup.ts scans it with lfk's own scanner at the end; a full key
// anywhere in it fails the run. Without LFK_LEAK_CAPTURE_DIR (outside vitest, e.g.
// the benchmarks) every capture is a no-op.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { redactKeys } from '../../platform/key-format.js';

export const LEAK_CAPTURE_ENV = 'LFK_LEAK_CAPTURE_DIR';

const LFK_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export type CaptureKind = 'log' | 'database' | 'cli' | 'http-error' | 'mail' | 'notice' | 'report';

export function capturing(): boolean {
  return captureDir() !== undefined;
}

function captureDir(): string | undefined {
  return process.env[LEAK_CAPTURE_ENV] || undefined;
}

/**
 * Appends one item under a `### source` line. One file per kind and process (vitest's forks, or
 * a worker thread): a process's appends are sequential, so no two writers share a file.
 */
export function captureText(kind: CaptureKind, source: string, text: string): void {
  const dir = captureDir();
  if (!dir || text === '') return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${process.pid}-${threadId}.log`);
  // The source names a test's command or request, which may carry a test's own key: cut it.
  appendFileSync(file, `### ${redactKeys(source)}\n${text.endsWith('\n') ? text : `${text}\n`}`);
}

type RequestingApp = {
  request: (input: string | Request | URL, init?: RequestInit, ...rest: never[]) => Response | Promise<Response>;
};

/**
 * Every error answer of an in-process app (`app.request`) goes to the leak check, whichever test or
 * helper made the request. Success answers are not: creating and rolling a key answer it in full.
 */
export function captureErrorAnswers<App extends RequestingApp>(app: App): App {
  if (!captureDir()) return app;
  const request = app.request;
  app.request = (async (input: string | Request | URL, init?: RequestInit, ...rest: never[]) => {
    const response = await request(input, init, ...rest);
    if (response.status >= 400) {
      const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      captureText('http-error', `${method} ${target} → ${response.status}`, await response.clone().text());
    }
    return response;
  }) as App['request'];
  return app;
}

/** A report file a command wrote (`--output FILE`), if it exists. */
export function captureFile(kind: CaptureKind, source: string, path: string): void {
  if (!captureDir() || !existsSync(path)) return;
  captureText(kind, `${source} (${path})`, readFileSync(path, 'utf8'));
}

/**
 * What one `lfk` command printed, and the report it wrote with `--output`. Skipped on purpose:
 * the stdout (and report) of the two commands whose job is to show a full key, `lfk keys create`
 * (the new key, once) and `lfk scan --no-redact` (the user asked for the keys found); their stderr
 * is still captured.
 */
export function captureLfkRun(
  args: readonly string[],
  cwd: string | undefined,
  run: { stdout: string; stderr: string },
): void {
  if (!captureDir()) return;
  const command = `lfk ${args.join(' ')}`;
  const showsKeys = (args[0] === 'keys' && args[1] === 'create') || args.includes('--no-redact');
  if (!showsKeys) {
    captureText('cli', command, run.stdout);
    const output = outputFileOf(args);
    if (output !== undefined) captureFile('report', command, resolve(cwd ?? process.cwd(), output));
  }
  captureText('cli', `${command} (stderr)`, run.stderr);
}

function outputFileOf(args: readonly string[]): string | undefined {
  for (const [index, arg] of args.entries()) {
    if (arg === '--output' || arg === '-o') return args[index + 1];
    if (arg.startsWith('--output=')) return arg.slice('--output='.length);
  }
  return undefined;
}

export interface Leak {
  file: string;
  line: number;
  /** As lfk's JSON report shows it: redacted. */
  secret: string;
}

export interface LeakScan {
  leaks: Leak[];
  files: number;
  lines: number;
}

/**
 * Scans a capture folder with the built `lfk scan` and its normal rules (checksum, entropy), so
 * every finding is a well-formed key, live or revoked: a leaked revoked key is still a leak.
 * `--report-invalid` stays off; the repository's `.lfkignore` applies (it lists only the public
 * test vector of docs/key-service.md#key-format). Any other outcome than "no keys" or "keys"
 * throws: the check fails closed.
 */
export async function scanCapture(dir: string): Promise<LeakScan> {
  if (!existsSync(LFK_BIN)) throw new Error(`leak check: ${LFK_BIN} is missing; run npm run build first`);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.LFK_KEY_SERVICE_URL;
  delete env[LEAK_CAPTURE_ENV];
  const args = [LFK_BIN, 'scan', '--format', 'json', '--no-gitignore', '--max-file-size', '0', '.'];
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  if (run.code !== 0 && run.code !== 1) throw new Error(`leak check: lfk scan exited with ${run.code}:\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as {
    findings: Array<{ file: string; line: number; secret: string }>;
    stats: { files: number };
  };
  let lines = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    if (text !== '') lines += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  }
  return {
    leaks: report.findings.map(({ file, line, secret }) => ({ file: join(dir, file), line, secret })),
    files: report.stats.files,
    lines,
  };
}

/** Throws, listing each leak (file, line, redacted key), when the capture holds a full key. */
export async function checkCapture(dir: string): Promise<LeakScan> {
  const scan = await scanCapture(dir);
  if (scan.leaks.length > 0) {
    const list = scan.leaks.map((leak) => `  ${leak.file}:${leak.line}  ${leak.secret}`).join('\n');
    throw new Error(
      `leak check: ${scan.leaks.length} full key(s) in what lfk logged, answered or sent during the tests:\n${list}`,
    );
  }
  return scan;
}
