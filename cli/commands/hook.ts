// `lfk hook install [--pre-commit] [--pre-push] [--pre-receive [--revoke]]` and `lfk hook uninstall`: git hooks that run
// `lfk scan --staged` before a commit and `lfk scan --pre-push` before a push. They go where git
// looks (`git rev-parse --git-path hooks`, so core.hooksPath counts); a hook already there is kept
// as `<hook>.lfk-chained` and runs first; uninstall puts it back. A hook never blocks git because
// lfk itself is missing: it says so on stderr and lets the commit or push through.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { git } from '../../scanner/sources/git.js';
import { parseCommandArgs, RefusedError, UsageError } from '../command.js';
import { packageRoot } from '../version.js';

const USAGE = `Usage: lfk hook install [--pre-commit] [--pre-push] [--pre-receive [--revoke]]   (default --pre-commit)
       lfk hook uninstall

install    writes the hooks into the repository's hooks folder (core.hooksPath is respected);
           a hook already there is kept as <hook>.lfk-chained and runs first. Installing again
           only refreshes lfk's hooks. --pre-receive is for a bare repository on a git server;
           with --revoke its hook also revokes the keys it finds (LFK_KEY_SERVICE_URL).
uninstall  removes lfk's hooks and puts chained hooks back.
`;

/** Marks a hook file as lfk's own. */
export const HOOK_MARKER = '# lfk-hook: managed by `lfk hook install`';
const CHAINED = '.lfk-chained';
const HOOKS = ['pre-commit', 'pre-push', 'pre-receive'] as const;
type HookName = (typeof HOOKS)[number];

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(' (lfk hook --help)', {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'pre-commit': { type: 'boolean' },
      'pre-push': { type: 'boolean' },
      'pre-receive': { type: 'boolean' },
      revoke: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...extra] = parsed.positionals;
  if (parsed.values.help || action === undefined) {
    process[action === undefined && !parsed.values.help ? 'stderr' : 'stdout'].write(USAGE);
    return action === undefined && !parsed.values.help ? 2 : 0;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (lfk hook --help)`);
  const folder = hooksFolder(process.cwd());
  if (action === 'install') {
    const wanted: HookName[] = HOOKS.filter((hook) => parsed.values[hook]);
    // Before a commit or a push from a laptop the key has not leaked yet: only a server revokes.
    const revoke = parsed.values.revoke ?? false;
    if (revoke && (!parsed.values['pre-receive'] || wanted.length > 1))
      throw new UsageError('--revoke goes with --pre-receive alone: on a laptop the key has not left the machine yet');
    for (const hook of wanted.length > 0 ? wanted : ['pre-commit' as const])
      process.stdout.write(`${install(folder, hook, { revoke })}\n`);
    return 0;
  }
  if (action === 'uninstall') {
    if (Object.values(parsed.values).some(Boolean))
      throw new UsageError('lfk hook uninstall takes no options: it removes every lfk hook');
    for (const line of uninstall(folder)) process.stdout.write(`${line}\n`);
    return 0;
  }
  throw new UsageError(`unknown action "${action}": install or uninstall (lfk hook --help)`);
}

/** The folder git runs hooks from, created when missing. */
export function hooksFolder(cwd: string): string {
  const found = git(cwd, ['rev-parse', '--git-path', 'hooks'], { readHooksPath: true });
  if (found.status !== 0) throw new UsageError(`not a git repository: ${cwd} (run lfk hook inside one)`);
  const folder = resolve(cwd, found.stdout.trim());
  mkdirSync(folder, { recursive: true });
  return folder;
}

export function install(folder: string, hook: HookName, options: HookOptions = {}): string {
  const path = resolve(folder, hook);
  const chained = path + CHAINED;
  let kept = '';
  if (existsSync(path) && !isOurs(path)) {
    if (existsSync(chained))
      throw new RefusedError(
        `${path} is not lfk's and ${chained} exists already: merge them by hand, then run lfk hook install again`,
      );
    renameSync(path, chained);
    kept = ` (the existing hook is kept as ${chained} and runs first)`;
  } else if (existsSync(chained)) kept = ` (chained: ${chained})`;
  writeFileSync(path, hookScript(hook, options));
  chmodSync(path, 0o755);
  return `installed ${hook} hook: ${path}${kept}`;
}

export function uninstall(folder: string): string[] {
  const lines: string[] = [];
  for (const hook of HOOKS) {
    const path = resolve(folder, hook);
    const chained = path + CHAINED;
    if (!existsSync(path) || !isOurs(path)) {
      if (existsSync(path)) lines.push(`${hook}: ${path} is not lfk's, left alone`);
      continue;
    }
    rmSync(path);
    if (existsSync(chained)) {
      renameSync(chained, path);
      lines.push(`removed lfk's ${hook} hook; restored the previous one: ${path}`);
    } else lines.push(`removed lfk's ${hook} hook: ${path}`);
  }
  if (lines.length === 0) lines.push('no lfk hooks installed');
  return lines;
}

function isOurs(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').includes(HOOK_MARKER);
  } catch {
    return false;
  }
}

/** The running lfk's main.js: the hook calls this exact build first. */
function lfkMain(): string {
  return join(packageRoot(), 'dist', 'cli', 'main.js');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface HookOptions {
  /** pre-receive only: `lfk scan --pre-receive --revoke`. */
  revoke?: boolean;
}

/** A POSIX sh hook: the chained hook first, then lfk found by absolute path, PATH or npx. */
export function hookScript(hook: HookName, options: HookOptions = {}): string {
  const scan =
    hook === 'pre-commit'
      ? 'scan --staged'
      : hook === 'pre-push'
        ? 'scan --pre-push "$1"'
        : `scan --pre-receive${options.revoke ? ' --revoke' : ''}`;
  // A scan that makes no network connection needs no CA bundle: Node 20 parses the one
  // NODE_EXTRA_CA_CERTS names before running anything, 80 ms or more on every commit.
  const node = options.revoke ? 'node' : 'NODE_EXTRA_CA_CERTS= node';
  const bin = options.revoke ? 'lfk' : 'NODE_EXTRA_CA_CERTS= lfk';
  const what = hook === 'pre-commit' ? 'commit' : 'push';
  // pre-push and pre-receive get their ref lines on stdin: both the chained hook and lfk need them.
  const feed =
    hook !== 'pre-commit'
      ? `lfk_input=$(cat)\nfeed() { if [ -n "$lfk_input" ]; then printf '%s\\n' "$lfk_input"; fi; }\n`
      : 'feed() { cat </dev/null; }\n';
  return `#!/bin/sh
${HOOK_MARKER}
# Runs \`lfk ${scan.replace(' "$1"', ' REMOTE')}\`. \`lfk hook uninstall\` removes it (and restores a chained hook).
${feed}hook_dir=$(dirname "$0")
if [ -x "$hook_dir/${hook}${CHAINED}" ]; then
  feed | "$hook_dir/${hook}${CHAINED}" "$@" || exit $?
fi
lfk_main=${shellQuote(lfkMain())}
if [ -f "$lfk_main" ] && command -v node >/dev/null 2>&1; then
  feed | ${node} "$lfk_main" ${scan}
elif command -v lfk >/dev/null 2>&1; then
  feed | ${bin} ${scan}
elif command -v npx >/dev/null 2>&1 && npx --no-install lfk --version >/dev/null 2>&1; then
  feed | npx --no-install lfk ${scan}
else
  echo "lfk ${hook} hook: lfk not found (not at $lfk_main, not on PATH, not in npx); this ${what} was NOT scanned for keys. Install lfk, or run lfk hook uninstall." >&2
  exit 0
fi
`;
}
