// Runs the built `lfk` command (dist/, built by `npm test` before vitest) as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Dialect } from '../../platform/database/database.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { captureLfkRun, captureText } from './leak-capture.js';

export const LFK_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runLfk(
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LFK_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, LFK_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // Into the leak check (leak-capture.ts; `lfk keys create`'s stdout, the key shown once, is skipped there).
      captureLfkRun(args, options.cwd, { stdout, stderr });
      resolve({ code, stdout, stderr });
    });
    // A command that exits before it reads its input (a usage error) closes the pipe: its exit code
    // and output are what the test checks, not the write.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A new account's details, as `lfk accounts create` takes them. */
export interface LfkAccount {
  name: string;
  email: string;
  plan: string;
}

/** The arguments of `lfk accounts create`; the owner's password is then read from stdin. */
export function accountsCreateArgs({ name, email, plan }: LfkAccount): string[] {
  return ['accounts', 'create', '--name', name, '--email', email, '--plan', plan, '--password-stdin'];
}

/** An owner password the CLI accepts, for tests that do not care which. */
export const OWNER_PASSWORD = 'a long enough password';

/** `lfk accounts create --json`, with OWNER_PASSWORD on stdin unless `input` says otherwise. */
export function createAccountWithLfk(
  account: LfkAccount,
  options: { env?: Record<string, string>; input?: string; cwd?: string },
): Promise<CliResult> {
  return runLfk([...accountsCreateArgs(account), '--json'], { input: OWNER_PASSWORD, ...options });
}

/** `lfk keys create`'s flags for a key that manages keys and still enriches. */
export const MANAGER_SCOPES = ['--scope', 'keys:manage', '--scope', 'enrichment'];

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `lfk serve --port 0` and resolves once it prints where it listens. */
export function startLfkServer(env: Record<string, string>, cwd?: string): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LFK_BIN, 'serve', '--port', '0'], {
      cwd,
      env: { ...process.env, LFK_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /lfk listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        resolve({
          url: match[1]!,
          child,
          output: () => output,
          stop: (signal = 'SIGTERM') =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // Everything the server logged, into the leak check once it ends.
    child.once('close', () => captureText('cli', 'lfk serve', output));
    child.once('exit', (code) => reject(new Error(`lfk serve exited with ${code}:\n${output}`)));
  });
}

/** What useLfkServer makes: the database, the environment naming it, and `lfk serve` on it. */
export interface LfkServerSuite {
  database: TestDatabase;
  env: Record<string, string>;
  server: ServerProcess;
}

/**
 * A fresh database and `lfk serve` on it (with `serverEnv` on top) for a describe block: made
 * before its tests, handed to `ready`, and at the end stopped (exit 0 expected) and dropped.
 */
export function useLfkServer(
  dialect: Dialect,
  serverEnv: Record<string, string>,
  ready: (made: LfkServerSuite) => void,
): void {
  let made: LfkServerSuite | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase(dialect);
    const env = { LFK_DATABASE_URL: database.url };
    made = { database, env, server: await startLfkServer({ ...env, ...serverEnv }) };
    ready(made);
  });
  afterAll(async () => {
    if (!made) return;
    expect(await made.server.stop()).toBe(0);
    await made.database.drop();
  });
}
