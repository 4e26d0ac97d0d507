// A GitHub push as scanner sources: one per file of GitHub's compare or commit answer. A file's
// `patch` (the hunks of one file: context lines, no git headers) goes through the one diff parser
// (git-patch.ts) as `git log -p` does, so its fragments and line numbers are a git patch's. A file
// without a patch (binary, or over GitHub's diff limits), or whose patch GitHub cut, is read whole
// from its blob and scanned as a file is: size limit, binary sniff, bounded fragments. Reading the
// blob is GitHub API I/O: the webhook server passes it in.
import type { Fragment, Source, SourceOutcome } from '../types.js';
import { CHUNK_BYTES, type ReadOptions } from './file-fragments.js';
import { PatchParser, type PatchPrefilter } from './git-patch.js';
import { streamFragments } from './stdin-fragments.js';
import { detectFormat } from '../unpack/formats.js';

/** A file of GitHub's compare or commit answer (`files[]`): the fields the scan reads. */
export interface GithubChangedFile {
  filename: string;
  status: string;
  /** The file's blob after the change (null when it was removed). */
  sha?: string | null;
  additions?: number;
  /** Missing for a binary file and for a diff over GitHub's limits. */
  patch?: string;
}

/** A changed file and the commit it is shown at (the push's head for a compare). */
export interface GithubPushFile {
  commit: string;
  file: GithubChangedFile;
}

/** A blob's bytes by its sha, through the GitHub API (`file` names it in errors). */
export type ReadBlob = (sha: string, file: string) => Promise<Buffer>;

export interface GithubPushOptions extends ReadOptions {
  prefilter: PatchPrefilter;
  readBlob: ReadBlob;
}

/** What to scan of a push: removed files and path-allowlisted ones (lock files, media formats) give no source. */
export function githubPushSources(files: readonly GithubPushFile[], options: GithubPushOptions): Source[] {
  return files
    .filter(({ file }) => file.status !== 'removed' && !options.prefilter.skipsPath(file.filename))
    .map((entry) => ({
      file: entry.file.filename,
      fragments: () => {
        const patch = wholePatch(entry.file);
        return patch === undefined ? blobFragments(entry, options) : patchFragments(entry, patch, options);
      },
    }));
}

/** The file's patch, unless it has none or GitHub cut it. */
function wholePatch(file: GithubChangedFile): string | undefined {
  return file.patch !== undefined && !isCut(file.patch, file.additions ?? 0) ? file.patch : undefined;
}

/** GitHub cuts a long patch short: it then holds fewer added lines than the file's `additions`. */
function isCut(patch: string, additions: number): boolean {
  let added = 0;
  for (const line of patch.split('\n')) if (line.startsWith('+')) added++;
  return added < additions;
}

function* patchFragments(
  { commit, file }: GithubPushFile,
  patch: string,
  options: GithubPushOptions,
): Generator<Fragment, SourceOutcome> {
  const fragments: Fragment[] = [];
  const parser = new PatchParser(options.prefilter, {
    maxFileSize: options.maxFileSize,
    onFragment: (fragment) => fragments.push(fragment),
  });
  parser.beginFile(file.filename, { commit });
  const bytes = Buffer.from(patch);
  parser.push(bytes);
  const stats = parser.end();
  yield* fragments;
  // Past the limit the parser dropped the rest of the patch, as it does a git patch's.
  return stats.skipped > 0 ? { kind: 'too-large', size: bytes.length } : { kind: 'text', bytes: stats.bytes };
}

async function* blobFragments(
  { commit, file }: GithubPushFile,
  options: GithubPushOptions,
): AsyncGenerator<Fragment, SourceOutcome> {
  if (!file.sha) return { kind: 'unreadable', reason: 'no patch and no blob' };
  const bytes = await options.readBlob(file.sha, file.filename);
  const opensArchives = (options.archives?.maxArchiveDepth ?? 0) > 0;
  // An archive has limits of its own (--max-archive-bytes, the ratio): the file limit is for the rest.
  if (!(opensArchives && detectFormat(bytes)) && options.maxFileSize > 0 && bytes.length > options.maxFileSize)
    return { kind: 'too-large', size: bytes.length };
  return yield* streamFragments(chunks(bytes, options.chunkBytes ?? CHUNK_BYTES), file.filename, {
    tags: { commit: { commit } },
    opensArchives,
  });
}

function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
