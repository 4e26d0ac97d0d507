// The one way lfk runs git. lfk scans repositories nobody vouches for (a fork's pull request, a
// pushed branch on a server, a repository someone sent), and a repository's own config and
// attributes can name programs for git to run: an fsmonitor hook, a pager, external diff and
// textconv drivers, clean/smudge filters, credential helpers, transports such as `ext::`. Every
// git process lfk starts gets its settings through this file, so none of them runs anything a
// repository chose. The settings travel in GIT_CONFIG_COUNT/KEY/VALUE (command-line scope, which
// wins over every config file), never as arguments, so no value is ever on a command line.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from 'node:child_process';

export interface GitRunOptions {
  /**
   * Run by a git hook (pre-commit, pre-push, pre-receive): keep the repository variables git set
   * for it (GIT_DIR, GIT_INDEX_FILE, the quarantine of a push…). Otherwise they are cleared, so a
   * stray GIT_DIR cannot point lfk at another repository.
   */
  inHook?: boolean;
  /** Transports git may use: none (scans read local objects only), HTTPS for a clone, or plain HTTP to this machine (tests). */
  network?: 'none' | 'https' | 'http-loopback';
  /** `lfk hook install` asks git where hooks live: core.hooksPath must then be read, not replaced. */
  readHooksPath?: boolean;
  /** More settings of lfk's own (formatting options, an HTTPS header), after the safety ones. */
  config?: ReadonlyArray<readonly [string, string]>;
}

// Settings that make git start no program of the repository's choosing. Keys git reads as
// multi-valued lists (credential.helper) are reset by an empty value.
const FIXED: ReadonlyArray<readonly [string, string]> = [
  ['core.fsmonitor', 'false'],
  ['core.pager', 'cat'],
  ['core.askPass', ''],
  ['core.sshCommand', 'false'],
  ['core.gitProxy', 'none'],
  ['credential.helper', ''],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['submodule.recurse', 'false'],
  ['log.showSignature', 'false'],
  ['protocol.allow', 'never'],
  ['protocol.ext.allow', 'never'],
  ['protocol.fd.allow', 'never'],
];

// Keys by pattern: whatever driver or protocol name the repository made up, its entry is overridden.
const BY_PATTERN: ReadonlyArray<readonly [RegExp, string]> = [
  [/^filter\..+\.(clean|smudge|process)$/, ''],
  [/^credential\..+\.helper$/, ''],
  [/^protocol\..+\.allow$/, 'never'],
  [/^pager\..+$/, 'false'],
  [/^merge\..+\.driver$/, 'false'],
];

// Subcommands that can show diffs: external diff drivers and textconv cannot be neutralised by a
// setting (an empty one is "run the empty command"), only by these options.
const DIFF_COMMANDS = new Set(['log', 'show', 'diff', 'diff-tree', 'diff-index', 'diff-files', 'whatchanged']);
const DIFF_SAFETY = ['--no-ext-diff', '--no-textconv'];

// Kept from the caller's environment: the user's own config files and identity, never a program.
const KEPT = new Set([
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
]);
// Kept only inside a hook: where git put the repository, its index and a push's quarantined objects.
const KEPT_IN_HOOK = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_QUARANTINE_PATH',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
]);
// Not git's own names, yet git runs them.
const DROPPED = ['PAGER', 'SSH_ASKPASS', 'EDITOR', 'VISUAL'];

export interface GitInvocation {
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The arguments and environment for `git <args>` in `cwd`: args[0] must be the subcommand. */
export function gitInvocation(cwd: string, args: readonly string[], options: GitRunOptions = {}): GitInvocation {
  const [command, ...rest] = args;
  if (command === undefined || command.startsWith('-'))
    throw new Error(`git: the subcommand must come first, not "${command ?? ''}"`);
  const env = baseEnvironment(options.inHook === true);
  const settings = [...FIXED, ...repositorySettings(cwd, env), ...networkSettings(options.network ?? 'none')];
  if (!options.readHooksPath) settings.push(['core.hooksPath', '/dev/null']);
  settings.push(...(options.config ?? []));
  settings.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(settings.length);
  return { args: ['--no-pager', command, ...(DIFF_COMMANDS.has(command) ? DIFF_SAFETY : []), ...rest], env };
}

/** `git <args>` to completion. */
export function runGitSync(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): SpawnSyncReturns<string> {
  const call = gitInvocation(cwd, args, options);
  return spawnSync('git', call.args, {
    cwd,
    env: call.env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `git <args>` as a child whose output the caller streams. */
export function spawnGit(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): ChildProcessWithoutNullStreams {
  const call = gitInvocation(cwd, args, options);
  return spawn('git', call.args, { cwd, env: call.env, stdio: ['pipe', 'pipe', 'pipe'] });
}

function baseEnvironment(inHook: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('GIT_') && !KEPT.has(name) && !(inHook && KEPT_IN_HOOK.has(name))) continue;
    env[name] = value;
  }
  for (const name of DROPPED) delete env[name];
  // No prompt for a password, no replacement objects hiding what a commit holds, no lazy fetch of
  // a partial clone's missing objects from a remote the repository names.
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_NO_REPLACE_OBJECTS = '1';
  env.GIT_NO_LAZY_FETCH = '1';
  return env;
}

function networkSettings(network: NonNullable<GitRunOptions['network']>): Array<readonly [string, string]> {
  if (network === 'https') return [['protocol.https.allow', 'always']];
  // The caller checked the host is loopback (git-clone.ts); git follows no redirect to elsewhere.
  if (network === 'http-loopback')
    return [
      ['protocol.http.allow', 'always'],
      ['http.followRedirects', 'false'],
    ];
  return [];
}

// The overrides a repository's config needs depend on the names it made up; they are read once
// per folder (git config only reads files, it runs nothing).
const perFolder = new Map<string, Array<readonly [string, string]>>();

function repositorySettings(cwd: string, env: NodeJS.ProcessEnv): Array<readonly [string, string]> {
  const cached = perFolder.get(cwd);
  if (cached) return cached;
  const listed = spawnSync('git', ['--no-pager', 'config', '--list', '--name-only', '-z'], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const settings: Array<readonly [string, string]> = [];
  for (const name of new Set(listed.status === 0 ? listed.stdout.split('\0') : [])) {
    const pattern = BY_PATTERN.find(([test]) => test.test(sectionAndKeyLowered(name)));
    if (pattern) settings.push([name, pattern[1]]);
  }
  // A server scans many repositories: keep the cache small.
  if (perFolder.size >= 64) perFolder.clear();
  perFolder.set(cwd, settings);
  return settings;
}

/** Section and key are case-insensitive in git; a subsection (between them) is not. */
function sectionAndKeyLowered(name: string): string {
  const first = name.indexOf('.');
  const last = name.lastIndexOf('.');
  if (first === -1 || first === last) return name.toLowerCase();
  return `${name.slice(0, first).toLowerCase()}${name.slice(first, last)}${name.slice(last).toLowerCase()}`;
}
