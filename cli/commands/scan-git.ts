// The git side of `lfk scan`: its options, which selection they make, and what the developer is
// told when a commit or a push is blocked. Light on purpose (scan.ts imports it statically); the
// scanning itself (scanner/scan-git.ts) is imported only when a git mode runs.
import type { RuleSet } from '../../rules/types.js';
import type { GitScanResult, GitSelection } from '../../scanner/scan-git.js';
import { redactSecret } from '../../scanner/report/redact.js';
import { terminalSafe } from '../../scanner/report/terminal-safe.js';
import { emptyStats, type Finding } from '../../scanner/types.js';
import type { ArchiveOptions } from '../../scanner/unpack/scan-archive.js';
import { UsageError } from '../command.js';
import { readStdin } from '../stdin.js';

export const GIT_USAGE = `       lfk scan --git [--all] [--since REV | --range A..B]   added lines of every commit (HEAD's history)
       lfk scan --git URL            clone URL (a temporary mirror) and scan every ref's history
       lfk scan --github OWNER[/REPO]  the same for a GitHub repository, or all of OWNER's
                                     (LFK_GITHUB_API_URL, GITHUB_TOKEN)
       lfk scan --staged             the staged diff (what the pre-commit hook checks)
       lfk scan --pre-push [REMOTE]  the commits git's pre-push hook is about to send (its lines on stdin)
       lfk scan --pre-receive        on a git server: the commits a push brings (git's pre-receive lines on stdin)
`;

/** parseArgs options of the git modes. */
export const GIT_OPTIONS = {
  git: { type: 'boolean' },
  all: { type: 'boolean' },
  since: { type: 'string' },
  range: { type: 'string' },
  staged: { type: 'boolean' },
  'pre-push': { type: 'boolean' },
  'pre-receive': { type: 'boolean' },
  github: { type: 'string' },
} as const;

export interface GitFlags {
  git?: boolean | undefined;
  all?: boolean | undefined;
  since?: string | undefined;
  range?: string | undefined;
  staged?: boolean | undefined;
  'pre-push'?: boolean | undefined;
  'pre-receive'?: boolean | undefined;
  revoke?: boolean | undefined;
}

/** The git selection the flags ask for (the pre-push input is read later), or undefined for files. */
export function gitSelection(values: GitFlags, positionals: readonly string[]): GitSelection | undefined {
  const modes = [
    values.git && '--git',
    values.staged && '--staged',
    values['pre-push'] && '--pre-push',
    values['pre-receive'] && '--pre-receive',
  ].filter(Boolean);
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined`);
  const historyOnly = [
    values.all && '--all',
    values.since !== undefined && '--since',
    values.range !== undefined && '--range',
  ].filter(Boolean);
  if (!values.git && historyOnly.length > 0) throw new UsageError(`${historyOnly.join(', ')} go with --git`);
  if (modes.length === 0) return undefined;
  if (values.staged && values.revoke) {
    throw new UsageError(
      '--staged never revokes: the key has not left this machine yet. Take it out of the commit instead (lfk scan --staged says how)',
    );
  }
  if (values['pre-receive']) {
    if (positionals.length > 0) throw new UsageError("--pre-receive reads git's lines on stdin: no paths");
    return { kind: 'pre-receive', input: '' };
  }
  if (values['pre-push']) {
    if (positionals.length > 2) throw new UsageError('--pre-push takes at most the remote name and its URL');
    return { kind: 'pre-push', ...(positionals[0] !== undefined && { remote: positionals[0] }), input: '' };
  }
  if (positionals.length > 0)
    throw new UsageError(`${modes[0]} scans the repository: paths ("${positionals[0]}") cannot be given`);
  if (values.staged) return { kind: 'staged' };
  if (values.since !== undefined && values.range !== undefined)
    throw new UsageError('--since and --range cannot be combined');
  return {
    kind: 'history',
    all: values.all ?? false,
    ...(values.since !== undefined && { since: values.since }),
    ...(values.range !== undefined && { range: values.range }),
  };
}

export interface GitScanSettings {
  cwd: string;
  ruleSet: RuleSet;
  reportInvalid: boolean;
  maxFileSize: number;
  maxDecodeDepth: number;
  archives: ArchiveOptions;
}

export async function runGitScan(selection: GitSelection, settings: GitScanSettings): Promise<GitScanResult> {
  const { scanGit, GitError } = await import('../../scanner/scan-git.js');
  if (selection.kind === 'pre-push') selection = prePushInput(selection, await readStdin(), process.env);
  if (selection.kind === 'pre-receive') selection = { kind: 'pre-receive', input: await readStdin() };
  const progress =
    process.stderr.isTTY && selection.kind !== 'staged' && selection.kind !== 'pre-receive'
      ? commitCounter()
      : undefined;
  // A server must not hold pushes for ever: past LFK_PRE_RECEIVE_TIMEOUT the push goes through.
  const deadline = selection.kind === 'pre-receive' ? preReceiveDeadline(process.env) : undefined;
  const late = (seconds: number) => ({
    findings: [],
    warnings: [`the scan took longer than LFK_PRE_RECEIVE_TIMEOUT (${seconds} s): the push is let through unscanned`],
    stats: emptyStats(),
    root: settings.cwd,
  });
  try {
    const result = await scanGit(selection, {
      ...settings,
      ...(progress && { onCommit: progress.update }),
      ...(deadline && { signal: deadline.signal }),
    });
    // A scan that ended past the deadline, before the timer could fire, is late all the same.
    return deadline?.passed() ? late(deadline.seconds) : result;
  } catch (error) {
    if (deadline?.passed()) return late(deadline.seconds);
    // Git's words and the refs asked for, on one line (terminal-safe.ts).
    if (error instanceof GitError) throw new UsageError(terminalSafe(error.message));
    throw error;
  } finally {
    progress?.done();
    deadline?.clear();
  }
}

function preReceiveDeadline(env: NodeJS.ProcessEnv): {
  signal: AbortSignal;
  seconds: number;
  passed(): boolean;
  clear(): void;
} {
  const seconds = Number(env.LFK_PRE_RECEIVE_TIMEOUT ?? 10);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new UsageError(
      `LFK_PRE_RECEIVE_TIMEOUT must be a number of seconds above 0, not "${env.LFK_PRE_RECEIVE_TIMEOUT}"`,
    );
  const controller = new AbortController();
  const ends = Date.now() + seconds * 1000;
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  return {
    signal: controller.signal,
    seconds,
    passed: () => controller.signal.aborted || Date.now() >= ends,
    clear: () => clearTimeout(timer),
  };
}

/** `lfk.skip=<reason>` among the push options (`git push -o`; git passes them as GIT_PUSH_OPTION_<n>). */
export function skipReason(env: NodeJS.ProcessEnv): string | undefined {
  const count = Number(env.GIT_PUSH_OPTION_COUNT ?? 0);
  for (let index = 0; index < count; index++) {
    const option = env[`GIT_PUSH_OPTION_${index}`] ?? '';
    if (option.startsWith('lfk.skip=')) return option.slice('lfk.skip='.length).trim() || 'no reason given';
  }
  return undefined;
}

/**
 * Git's lines from stdin; under the pre-commit framework (stage pre-push), which passes no stdin,
 * the one update it describes in PRE_COMMIT_FROM_REF/TO_REF and the remote in PRE_COMMIT_REMOTE_NAME.
 */
export function prePushInput(
  selection: Extract<GitSelection, { kind: 'pre-push' }>,
  stdin: string,
  env: NodeJS.ProcessEnv,
): GitSelection {
  const remote = selection.remote ?? env.PRE_COMMIT_REMOTE_NAME;
  let input = stdin;
  if (input.trim() === '' && env.PRE_COMMIT_TO_REF) {
    const from = env.PRE_COMMIT_FROM_REF || '0'.repeat(40);
    input = `${env.PRE_COMMIT_LOCAL_BRANCH || 'HEAD'} ${env.PRE_COMMIT_TO_REF} ${env.PRE_COMMIT_REMOTE_BRANCH || 'HEAD'} ${from}\n`;
  }
  return { kind: 'pre-push', input, ...(remote !== undefined && { remote }) };
}

/**
 * What to do next, on stderr, when the hook blocks a commit or a push ('' when nothing blocks).
 * Paths come from the commits: each is escaped (terminal-safe.ts), a line end in one too.
 */
export function gitAdvice(selection: GitSelection, findings: readonly Finding[]): string {
  const keys = findings.filter((finding) => finding.checksum === 'valid');
  if (keys.length === 0 || selection.kind === 'history') return '';
  const where = (finding: Finding) =>
    terminalSafe(
      `  ${finding.file}:${finding.line}  ${redactSecret(finding.secret)}${finding.commit ? `  (commit ${finding.commit.commit.slice(0, 12)})` : ''}`,
    );
  const count = `${keys.length} Trust Leads API key${keys.length === 1 ? '' : 's'}`;
  // A head line, each key found, then what to do.
  const message = (head: string, advice: string[]) => [head, ...keys.map(where), ...advice, ''].join('\n');
  if (selection.kind === 'staged') {
    return message(`lfk: commit blocked: ${count} in the staged changes:`, [
      'The key has not left this machine yet. To fix it:',
      '  - move the key to an environment variable (for example TRUSTLEADS_API_KEY) and read it from there,',
      '    then stage the file again (git add FILE), or unstage it (git restore --staged FILE);',
      '  - if it is a test fixture and not a real key, put "lfk:allow" in a comment on its line.',
      'Then commit again.',
    ]);
  }
  if (selection.kind === 'pre-receive') {
    return message(`lfk: push refused: ${count} in the commits you pushed:`, [
      'Treat the key as leaked: revoke it on the API Keys page and create a new one. Then rewrite the',
      'commits without it (git commit --amend, or git rebase -i for an older commit), reading the key',
      'from an environment variable instead, and push again. A test fixture that is not a real key:',
      'put "lfk:allow" on its line. To push anyway: git push -o lfk.skip="<reason>".',
    ]);
  }
  return message(`lfk: push blocked: ${count} in the commits being pushed:`, [
    'These commits have not left this machine yet. Rewrite them without the key (git commit --amend, or',
    'git rebase -i to edit an older commit), reading the key from an environment variable instead;',
    'mark a test fixture that is not a real key with "lfk:allow" on its line. Then push again.',
  ]);
}

function commitCounter() {
  let last = 0;
  let drawn = false;
  return {
    update(count: number) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      process.stderr.write(`\rscanning history: ${count} commit${count === 1 ? '' : 's'}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
