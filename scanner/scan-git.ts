// The git modes of `lfk scan` (docs/git.md): history (`--git`), the staged diff (`--staged`) and
// the commits a push is about to send (`--pre-push`). Git produces the patch, the parser streams
// its added lines, the detector runs on the few that hold a keyword, here in the main thread while
// git works in its own process.
import type { RuleSet } from '../rules/types.js';
import { createFinder, type Finder } from './finder.js';
import { scanSource, type FilesResult } from './scan-files.js';
import {
  GitError,
  gitOutput,
  isCommit,
  logArgs,
  openRepo,
  parsePushLines,
  parseReceiveLines,
  pushRevisions,
  receiveRevisions,
  stagedArgs,
  type Repo,
} from './sources/git.js';
import { PatchParser, type BinaryBlob } from './sources/git-patch.js';
import { streamSource } from './sources/stdin-fragments.js';
import { emptyStats, type CommitInfo } from './types.js';
import type { ArchiveOptions } from './unpack/scan-archive.js';

export type GitSelection =
  | { kind: 'history'; all: boolean; since?: string; range?: string }
  | { kind: 'staged' }
  | { kind: 'pre-push'; remote?: string; input: string }
  /**
   * A server's pre-receive hook (docs/git.md#--pre-receive-a-git-servers-pre-receive-hook): git's
   * `<old> <new> <ref>` lines.
   */
  | { kind: 'pre-receive'; input: string };

export interface GitScanOptions {
  cwd: string;
  ruleSet: RuleSet;
  reportInvalid: boolean;
  /** Added bytes of one file in one commit; 0 = no limit. */
  maxFileSize: number;
  /** Decodings in a chain at most (docs/scanner.md#encoded-text); 0 turns decoding off. */
  maxDecodeDepth?: number;
  /**
   * Binary blobs that are compressed files or archives are opened
   * (docs/scanner.md#compressed-files-and-archives); missing opens none.
   */
  archives?: ArchiveOptions;
  /** Stops the scan (the pre-receive timeout): git is killed and what was read so far is returned. */
  signal?: AbortSignal;
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
  const binaries: BinaryBlob[] = [];
  const parser = new PatchParser(finder, {
    maxFileSize: options.maxFileSize,
    onFragment: (fragment) => result.findings.push(...finder.detect(fragment)),
    onEncoded: (fragment) => result.findings.push(...finder.decodedFindings(fragment, result.warnings)),
    onCommit: (_commit: CommitInfo, count) => options.onCommit?.(count),
    onWarning: (message) => result.warnings.push(message),
    onBinary: (blob) => binaries.push(blob),
  });
  for await (const chunk of gitOutput(repo.root, args, result.warnings, repo.run, options.signal)) parser.push(chunk);
  const stats = parser.end();
  result.stats.files = stats.files;
  result.stats.bytes = stats.bytes;
  result.stats.binary = stats.binary;
  result.stats.skipped = stats.skipped;
  if (selection.kind !== 'staged') result.stats.commits = stats.commits;
  // Findings stay in git's order: newest commit first, files in diff order; binary files' after.
  await scanBinaryBlobs(binaries, repo, finder, options, result);
  return result;
}

/**
 * Binary files (archives among them) are read whole from the object store and scanned as a file
 * is. A key is reported once per file: at the oldest commit whose version of the file holds it,
 * as a text key is at the commit that added its line.
 */
async function scanBinaryBlobs(
  blobs: readonly BinaryBlob[],
  repo: Repo,
  finder: Finder,
  options: GitScanOptions,
  result: GitScanResult,
): Promise<void> {
  const read = { maxFileSize: options.maxFileSize, ...(options.archives && { archives: options.archives }) };
  const opensArchives = (options.archives?.maxArchiveDepth ?? 0) > 0;
  const blobStats: FilesResult = { findings: [], warnings: result.warnings, stats: emptyStats() };
  const reported = new Set<string>();
  // Git lists newest first: oldest first here, so the first time a key is met is its oldest commit.
  for (const { file, blob, commit } of [...blobs].reverse()) {
    const found: FilesResult = { findings: [], warnings: result.warnings, stats: blobStats.stats };
    const chunks = gitOutput(repo.root, ['cat-file', 'blob', blob], result.warnings, repo.run);
    const tags = commit ? { commit } : {};
    await scanSource(
      streamSource(chunks, file, {
        maxBytes: options.maxFileSize,
        onWarning: (message) => result.warnings.push(message),
        tags,
        opensArchives,
      }),
      finder,
      found,
      read,
    );
    for (const finding of found.findings) {
      const key = `${finding.file}\0${finding.fingerprint}\0${finding.decoded?.join(',') ?? ''}`;
      if (reported.has(key)) continue;
      reported.add(key);
      result.findings.push(finding);
    }
  }
  // Git counted these diffs as binary; what was read of them (archive entries included) adds to the files and bytes.
  result.stats.files += blobStats.stats.files;
  result.stats.bytes += blobStats.stats.bytes;
}

/** The git command for a selection, or undefined when there is nothing to scan. */
function gitArgs(selection: GitSelection, repo: Repo, warnings: string[]): string[] | undefined {
  if (selection.kind === 'staged') return stagedArgs();
  if (repo.shallow)
    warnings.push(
      'shallow clone: commits before its oldest one are not here; that commit is scanned as if it added every file',
    );
  if (selection.kind === 'pre-receive') {
    const { revisions, options, notes } = receiveRevisions(parseReceiveLines(selection.input));
    warnings.push(...notes);
    return revisions.length === 0 ? undefined : logArgs(revisions, options);
  }
  if (selection.kind === 'pre-push') {
    const { revisions, options, notes } = pushRevisions(repo, parsePushLines(selection.input), selection.remote);
    warnings.push(...notes);
    return revisions.length === 0 ? undefined : logArgs(revisions, options);
  }
  if (selection.range !== undefined) {
    const ends = selection.range.split(/\.\.\.?/);
    if (ends.length !== 2 || !selection.range.includes('..'))
      throw new GitError(`--range must be A..B, not "${selection.range}"`);
    for (const end of ends)
      if (end !== '' && !isCommit(repo, end))
        throw new GitError(`--range ${selection.range}: "${end}" is not a commit in this repository`);
    return logArgs([selection.range]);
  }
  if (selection.since !== undefined) {
    if (!isCommit(repo, selection.since))
      throw new GitError(`--since ${selection.since}: not a commit in this repository`);
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
