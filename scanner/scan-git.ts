// The git modes of `lfk scan` (SPEC §3.1): history (`--git`), the staged diff (`--staged`) and the
// commits a push is about to send (`--pre-push`). Git produces the patch, the parser streams its
// added lines, the detector runs on the few that hold a keyword, here in the main thread while git
// works in its own process.
import type { RuleSet } from '../rules/types.js';
import { createFinder } from './finder.js';
import type { FilesResult } from './scan-files.js';
import { GitError, gitOutput, isCommit, logArgs, openRepo, parsePushLines, pushRevisions, stagedArgs, type Repo } from './sources/git.js';
import { PatchParser } from './sources/git-patch.js';
import { emptyStats, type CommitInfo } from './types.js';

export type GitSelection =
  | { kind: 'history'; all: boolean; since?: string; range?: string }
  | { kind: 'staged' }
  | { kind: 'pre-push'; remote?: string; input: string };

export interface GitScanOptions {
  cwd: string;
  ruleSet: RuleSet;
  reportInvalid: boolean;
  /** Added bytes of one file in one commit; 0 = no limit. */
  maxFileSize: number;
  /** Decodings in a chain at most (SPEC §6.1); 0 turns decoding off. */
  maxDecodeDepth?: number;
  /** Commits read so far (history and pre-push). */
  onCommit?: (count: number) => void;
}

export interface GitScanResult extends FilesResult {
  /** The repository's top: finding paths are relative to it. */
  root: string;
}

export { GitError };

export async function scanGit(selection: GitSelection, options: GitScanOptions): Promise<GitScanResult> {
  // The staged diff and a push are scanned from git's hooks: git's own variables (a commit's
  // temporary index, say) must reach the git commands lfk runs.
  const repo = openRepo(options.cwd, { inHook: selection.kind !== 'history' });
  const result: GitScanResult = { findings: [], warnings: [], stats: emptyStats(), root: repo.root };
  const args = gitArgs(selection, repo, result.warnings);
  if (selection.kind !== 'staged') result.stats.commits = 0;
  if (!args) return result;
  const finder = createFinder(options.ruleSet, options);
  const parser = new PatchParser(finder, {
    maxFileSize: options.maxFileSize,
    onFragment: (fragment) => result.findings.push(...finder.detect(fragment)),
    onEncoded: (fragment) => result.findings.push(...finder.decodedFindings(fragment, result.warnings)),
    onCommit: (_commit: CommitInfo, count) => options.onCommit?.(count),
    onWarning: (message) => result.warnings.push(message),
  });
  for await (const chunk of gitOutput(repo.root, args, result.warnings, repo.run)) parser.push(chunk);
  const stats = parser.end();
  result.stats.files = stats.files;
  result.stats.bytes = stats.bytes;
  result.stats.binary = stats.binary;
  result.stats.skipped = stats.skipped;
  if (selection.kind !== 'staged') result.stats.commits = stats.commits;
  // Findings stay in git's order: newest commit first, files in diff order.
  return result;
}

/** The git command for a selection, or undefined when there is nothing to scan. */
function gitArgs(selection: GitSelection, repo: Repo, warnings: string[]): string[] | undefined {
  if (selection.kind === 'staged') return stagedArgs();
  if (repo.shallow) warnings.push('shallow clone: commits before its oldest one are not here; that commit is scanned as if it added every file');
  if (selection.kind === 'pre-push') {
    const { revisions, options, notes } = pushRevisions(repo, parsePushLines(selection.input), selection.remote);
    warnings.push(...notes);
    return revisions.length === 0 ? undefined : logArgs(revisions, options);
  }
  if (selection.range !== undefined) {
    const ends = selection.range.split(/\.\.\.?/);
    if (ends.length !== 2 || !selection.range.includes('..')) throw new GitError(`--range must be A..B, not "${selection.range}"`);
    for (const end of ends) if (end !== '' && !isCommit(repo, end)) throw new GitError(`--range ${selection.range}: "${end}" is not a commit in this repository`);
    return logArgs([selection.range]);
  }
  if (selection.since !== undefined) {
    if (!isCommit(repo, selection.since)) throw new GitError(`--since ${selection.since}: not a commit in this repository`);
    if (selection.all) return logArgs([`^${selection.since}`], ['--all']);
    return logArgs([`${selection.since}..HEAD`]);
  }
  if (selection.all) return logArgs([], ['--all']);
  if (!isCommit(repo, 'HEAD')) {
    warnings.push('no commits yet: nothing in the history to scan (lfk scan --staged scans what is staged)');
    return undefined;
  }
  return logArgs(['HEAD']);
}
