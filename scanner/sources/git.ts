// The git CLI as a source of patches: which repository, which commits, and git's output streamed
// chunk by chunk (the consumer's pace is git's pace: a paused pipe stops git).
import { runGitSync, spawnGit, type GitRunOptions } from './git-command.js';

/** Something git refused (not a repository, an unknown revision): exit 2 with git's reason. */
export class GitError extends Error {
  override name = 'GitError';
}

// Whatever the user's config says: no colour, mnemonic or missing prefixes or relative paths, and
// non-ASCII paths unquoted (quoted ones still happen for names with quotes, tabs or newlines; the
// parser unquotes them). What keeps git from running programs is in git-command.ts.
const CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.quotePath', 'false'],
  ['diff.noprefix', 'false'],
  ['diff.mnemonicPrefix', 'false'],
];
const DIFF_OPTIONS = ['-U0', '--no-color', '--full-index', '--src-prefix=a/', '--dst-prefix=b/', '--no-relative'];
/** One header line per commit: NUL, then NUL-separated fields (a NUL starts no diff line). */
const FORMAT = '--format=%x00%H%x00%an%x00%ae%x00%aI';

export const ZERO_SHA = /^0+$/;

export interface Repo {
  /** Where to run git: the work tree's top, or the git dir of a bare repository. */
  root: string;
  shallow: boolean;
  /** How git is run for this repository (inside a hook or not). */
  run: GitRunOptions;
}

export function git(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): { status: number; stdout: string; stderr: string } {
  const run = runGitSync(cwd, args, { ...options, config: [...CONFIG, ...(options.config ?? [])] });
  if (run.error) throw new GitError(`cannot run git: ${run.error.message}`);
  return { status: run.status ?? 128, stdout: run.stdout, stderr: run.stderr };
}

export function openRepo(cwd: string, run: GitRunOptions = {}): Repo {
  const probe = git(cwd, ['rev-parse', '--is-bare-repository', '--is-shallow-repository', '--absolute-git-dir'], run);
  if (probe.status !== 0)
    throw new GitError(`not a git repository: ${cwd} (run lfk scan --git, --staged or --pre-push inside one)`);
  const [bare, shallow, gitDir] = probe.stdout.trim().split('\n');
  let root = gitDir!;
  if (bare !== 'true') {
    const top = git(cwd, ['rev-parse', '--show-toplevel'], run);
    if (top.status === 0) root = top.stdout.trim();
  }
  return { root, shallow: shallow === 'true', run };
}

/** True when `rev` names a commit here. */
export function isCommit(repo: Repo, rev: string): boolean {
  return (
    git(repo.root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], repo.run).status === 0
  );
}

/** `git log -p` over the given revisions (`--all`, ranges, `^excluded`…), merges as combined diffs. */
export function logArgs(revisions: readonly string[], options: readonly string[] = []): string[] {
  // Merges: a dense combined diff (--cc) shows only what the merge itself brought (conflict
  // resolutions, "evil" merges); everything else of a merged branch is in that branch's commits.
  return [
    'log',
    '-p',
    ...DIFF_OPTIONS,
    '--diff-merges=dense-combined',
    FORMAT,
    ...options,
    '--end-of-options',
    ...revisions,
    '--',
  ];
}

export function stagedArgs(): string[] {
  return ['diff', '--cached', ...DIFF_OPTIONS, '--'];
}

/** Streams git's standard output; throws GitError with git's message when it fails. */
export async function* gitOutput(
  cwd: string,
  args: readonly string[],
  warnings: string[],
  options: GitRunOptions = {},
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const child = spawnGit(cwd, args, { ...options, config: [...CONFIG, ...(options.config ?? [])] });
  // A deadline (the pre-receive timeout) stops git; its output then ends.
  signal?.addEventListener('abort', () => child.kill(), { once: true });
  child.stdin.end();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    // Bounded: a chatty git cannot fill memory.
    if (stderr.length < 64 << 10) stderr += text;
  });
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new GitError(`cannot run git: ${error.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 0)));
  });
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exit;
    finished = true;
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    if (code !== 0)
      throw new GitError(
        `git ${args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? ''} failed: ${lines.join(' ') || `exit ${code}`}`,
      );
    // Rename-limit notices and the like: worth a word, not a failure.
    for (const line of lines) warnings.push(`git: ${line.replace(/^warning: /, '')}`);
  } finally {
    if (!finished) child.kill();
  }
}

export interface PushLine {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

export interface ReceiveLine {
  oldSha: string;
  newSha: string;
  ref: string;
}

/** Git's pre-receive lines: `<old sha> <new sha> <ref>`. */
export function parseReceiveLines(input: string): ReceiveLine[] {
  return hookLines(input, {
    mode: '--pre-receive',
    hook: 'pre-receive',
    shape: '<old sha> <new sha> <ref>',
    fields: 3,
    shas: [0, 1],
  }).map((parts) => ({
    oldSha: parts[0]!,
    newSha: parts[1]!,
    ref: parts[2]!,
  }));
}

/** The fields of each non-empty line a git hook reads on stdin, checked: so many, shas where shas go. */
function hookLines(
  input: string,
  expected: { mode: string; hook: string; shape: string; fields: number; shas: number[] },
): string[][] {
  const lines: string[][] = [];
  for (const raw of input.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    if (parts.length !== expected.fields || expected.shas.some((at) => !/^[0-9a-f]{40,64}$/i.test(parts[at]!))) {
      throw new GitError(
        `${expected.mode}: not a line git's ${expected.hook} hook sends: "${line}" (expected ${expected.shape})`,
      );
    }
    lines.push(parts);
  }
  return lines;
}

/**
 * The commits a push brings that no existing ref already has: every new sha, minus `--all`. In a
 * pre-receive hook no ref is updated yet, so `--all` is what the repository had before the push;
 * a new branch is scanned from where it leaves existing history, a deletion brings nothing.
 */
export function receiveRevisions(lines: readonly ReceiveLine[]): {
  revisions: string[];
  options: string[];
  notes: string[];
} {
  const notes = lines
    .filter((line) => ZERO_SHA.test(line.newSha))
    .map((line) => `${line.ref}: deleted, nothing to scan`);
  const revisions = [...new Set(lines.filter((line) => !ZERO_SHA.test(line.newSha)).map((line) => line.newSha))];
  // `--not` flips every following revision until the next `--not`: so it comes in a pair.
  return { revisions, options: revisions.length === 0 ? [] : ['--not', '--all', '--not'], notes };
}

/** Git's pre-push lines: `<local ref> <local sha> <remote ref> <remote sha>`. */
export function parsePushLines(input: string): PushLine[] {
  const shape = '<local ref> <local sha> <remote ref> <remote sha>';
  return hookLines(input, { mode: '--pre-push', hook: 'pre-push', shape, fields: 4, shas: [1, 3] }).map((parts) => ({
    localRef: parts[0]!,
    localSha: parts[1]!,
    remoteRef: parts[2]!,
    remoteSha: parts[3]!,
  }));
}

/**
 * The revisions for `git log` that select exactly the commits being pushed: each pushed sha,
 * minus what the remote has (the old remote sha when we have it, every remote-tracking ref of the
 * remote). Deletions push no commits.
 */
export function pushRevisions(
  repo: Repo,
  lines: readonly PushLine[],
  remote: string | undefined,
): { revisions: string[]; options: string[]; notes: string[] } {
  const include: string[] = [];
  const exclude: string[] = [];
  const notes: string[] = [];
  for (const line of lines) {
    if (ZERO_SHA.test(line.localSha)) {
      notes.push(`${line.remoteRef}: deleted on the remote, nothing to scan`);
      continue;
    }
    include.push(line.localSha);
    if (!ZERO_SHA.test(line.remoteSha)) {
      // A force push over commits we never fetched: the old sha is unknown here; the remote-tracking
      // refs below still exclude what the remote had.
      if (isCommit(repo, line.remoteSha)) exclude.push(`^${line.remoteSha}`);
    }
  }
  if (include.length === 0) return { revisions: [], options: [], notes };
  // `--not` flips every following revision until the next `--not`: so it comes in a pair.
  const options = remote && hasRemoteRefs(repo, remote) ? ['--not', `--remotes=${remote}`, '--not'] : [];
  return { revisions: [...include, ...exclude], options, notes };
}

function hasRemoteRefs(repo: Repo, remote: string): boolean {
  // A URL (git push file:///…) names no remote-tracking refs; a name without refs excludes nothing.
  if (remote.includes('/') || remote.includes(':')) return false;
  return (
    git(
      repo.root,
      ['for-each-ref', '--count=1', '--format=%(refname)', `refs/remotes/${remote}/`],
      repo.run,
    ).stdout.trim() !== ''
  );
}
