// Real repositories made with the git CLI in temporary folders, for the git modes and hooks.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKey } from '../../platform/key-format.js';
import { runLfk, type LfkRun } from '../scanner/run-lfk.js';

/** A fresh key for each use: no valid key literal sits in the repository. */
export const newKey = generateKey;

/** Environment for git in tests: no user or system config, fixed identity. */
export const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** git that may fail: status and output. */
export function tryGit(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function tempDir(prefix = 'lfk-git-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An empty repository on branch main with a local identity and no signing. */
export function newRepo(dir = tempDir()): string {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ada Lovelace');
  git(dir, 'config', 'user.email', 'ada@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return dir;
}

export function write(repo: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

export function writeFiles(repo: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) write(repo, path, content);
}

/** Writes the files and stages everything (`git add -A`). */
export function stage(repo: string, files: Record<string, string | Buffer>): void {
  writeFiles(repo, files);
  git(repo, 'add', '-A');
}

/** Writes the files, stages them and commits; returns the new commit's sha. */
export function commit(repo: string, message: string, files: Record<string, string | Buffer> = {}): string {
  stage(repo, files);
  git(repo, 'commit', '-q', '--allow-empty', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  secret: string;
  checksum: string;
  decoded?: string[];
  binary?: boolean;
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  revocation?: string;
}

export interface JsonReport {
  findings: JsonFinding[];
  stats: { files: number; bytes: number; skipped: number; binary: number; commits?: number };
}

export async function lfk(
  cwd: string,
  args: string[],
  options: { input?: string; env?: Record<string, string | undefined>; wrapper?: string[] } = {},
): Promise<LfkRun> {
  return runLfk(args, {
    cwd,
    env: { ...GIT_ENV, ...options.env },
    ...(options.input !== undefined && { input: options.input }),
    ...(options.wrapper && { wrapper: options.wrapper }),
  });
}

/** `lfk scan … --format json --no-redact`, parsed. */
export async function scanJson(
  cwd: string,
  args: string[],
  options: { input?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ run: LfkRun; report: JsonReport }> {
  const run = await lfk(cwd, ['scan', ...args, '--format', 'json', '--no-redact'], options);
  if (run.code === 2) throw new Error(`lfk failed: ${run.stderr}`);
  return { run, report: JSON.parse(run.stdout) as JsonReport };
}

/** Gives `repo` an `origin`, a new bare repository, and pushes main there; returns the pushed commit. */
export function pushToNewOrigin(repo: string): string {
  const remote = tempDir('lfk-remote-');
  git(remote, 'init', '-q', '--bare');
  git(repo, 'remote', 'add', 'origin', remote);
  git(repo, 'push', '-q', 'origin', 'main');
  return git(repo, 'rev-parse', 'HEAD');
}

/** `lfk scan --pre-push origin` (JSON) as git's hook runs it when main is pushed from `base` to `tip`. */
export function scanPrePush(repo: string, push: { tip: string; base: string }, args: string[] = []) {
  return scanJson(repo, ['--pre-push', 'origin', ...args], {
    input: `refs/heads/main ${push.tip} refs/heads/main ${push.base}\n`,
  });
}
