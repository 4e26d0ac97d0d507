// Runs the built CLI (npm test builds first) in a child process, without blocking this one, so
// a fake key service in the test process can answer it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { captureLfkRun } from '../support/leak-capture.js';

export const LFK_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface LfkRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runLfk(
  args: string[],
  options: { cwd: string; input?: string | Buffer; env?: Record<string, string | undefined>; wrapper?: string[] },
): Promise<LfkRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LFK_KEY_SERVICE_URL: undefined, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const command = [...(options.wrapper ?? []), process.execPath, LFK_BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      // Into the leak check (leak-capture.ts; `scan --no-redact` output, full keys on request, is skipped there).
      captureLfkRun(args, options.cwd, { stdout, stderr });
      resolve({ code, stdout, stderr });
    });
    // A command that exits before it reads its input (a usage error) closes the pipe: its exit code
    // and output are what the test checks, not the write.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
