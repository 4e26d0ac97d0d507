// The text a push added, through the REST API as the installation (REFERENCE-github.md §2.6):
// one compare when it lists every file (under 300), otherwise each pushed commit on its own, paging
// its files past 300; a file whose patch is missing or cut is read whole from its blob.
import type { InstallationOctokit } from './client.js';
import { classifyGithubError } from './client.js';
import { addedRuns, isCut } from './patch.js';

export const ZERO_SHA = '0000000000000000000000000000000000000000';
/** Compare answers list at most 300 files; at that count the list may be incomplete. */
const COMPARE_FILE_LIMIT = 300;
/** Blobs larger than this are not read (the scanner's default file size limit). */
export const MAX_BLOB_BYTES = 100 * 1024 * 1024;

export interface PushRef {
  owner: string;
  repo: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  /** The pushed commits (`commits[].id`), oldest first. */
  commits: string[];
}

/** One piece of added text: a run of added lines, or a whole file read from its blob. */
export interface AddedText {
  path: string;
  commit: string;
  startLine: number;
  text: string;
}

interface ChangedFile {
  filename: string;
  status: string;
  sha?: string | null;
  additions?: number;
  patch?: string;
}

export interface PushScanInput {
  pieces: AddedText[];
  /** Files skipped and why (binary, too large): reported in the check run's summary. */
  skipped: string[];
  /** How the files were fetched (`compare` or `commits`), for the delivery's result. */
  via: 'compare' | 'commits' | 'none';
}

export async function fetchPushedText(octokit: InstallationOctokit, push: PushRef): Promise<PushScanInput> {
  if (push.deleted || push.after === ZERO_SHA) return { pieces: [], skipped: [], via: 'none' };
  const out: PushScanInput = { pieces: [], skipped: [], via: 'compare' };
  // A normal or forced push of an existing branch: one three-dot compare (from the merge base).
  if (!push.created && push.before !== ZERO_SHA) {
    const files = await compareFiles(octokit, push);
    if (files && files.length < COMPARE_FILE_LIMIT) {
      for (const file of files) await addFile(octokit, push, file, push.after, out);
      return out;
    }
  }
  // A new branch, a compare that cannot list every file, or one GitHub cannot answer: commit by commit.
  out.via = 'commits';
  const commits = push.commits.length > 0 ? push.commits : [push.after];
  for (const sha of commits) {
    for (const file of await commitFiles(octokit, push, sha)) await addFile(octokit, push, file, sha, out);
  }
  return out;
}

async function compareFiles(octokit: InstallationOctokit, push: PushRef): Promise<ChangedFile[] | null> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: push.owner, repo: push.repo, basehead: `${push.before}...${push.after}` });
    return (data.files ?? []) as ChangedFile[];
  } catch (error) {
    // After a force push the old head may be gone from GitHub: fall back to the pushed commits.
    if ((error as { status?: number }).status === 404) return null;
    return classifyGithubError(error, `GET compare ${push.before.slice(0, 7)}...${push.after.slice(0, 7)}`);
  }
}

/** Every file of one commit, following the Link header past the first 300. */
async function commitFiles(octokit: InstallationOctokit, push: PushRef, sha: string): Promise<ChangedFile[]> {
  const files: ChangedFile[] = [];
  for (let page = 1; page <= 10; page++) {
    let response;
    try {
      response = await octokit.rest.repos.getCommit({ owner: push.owner, repo: push.repo, ref: sha, page, per_page: 300 });
    } catch (error) {
      return classifyGithubError(error, `GET commit ${sha.slice(0, 7)}`);
    }
    files.push(...((response.data.files ?? []) as ChangedFile[]));
    if (!/rel="next"/.test(String(response.headers.link ?? ''))) break;
  }
  return files;
}

async function addFile(octokit: InstallationOctokit, push: PushRef, file: ChangedFile, commit: string, out: PushScanInput): Promise<void> {
  if (file.status === 'removed') return;
  if (file.patch !== undefined && !isCut(file.patch, file.additions ?? 0)) {
    for (const run of addedRuns(file.patch)) out.pieces.push({ path: file.filename, commit, startLine: run.startLine, text: run.lines.join('\n') });
    return;
  }
  // No patch (binary, or over GitHub's diff limits) or a cut one: the blob holds the whole file.
  if (!file.sha) {
    out.skipped.push(`${file.filename} (no patch and no blob)`);
    return;
  }
  let data;
  try {
    ({ data } = await octokit.rest.git.getBlob({ owner: push.owner, repo: push.repo, file_sha: file.sha }));
  } catch (error) {
    return classifyGithubError(error, `GET blob of ${file.filename}`);
  }
  if ((data.size ?? 0) > MAX_BLOB_BYTES) {
    out.skipped.push(`${file.filename} (larger than ${MAX_BLOB_BYTES} bytes)`);
    return;
  }
  const bytes = Buffer.from(data.content ?? '', data.encoding === 'base64' ? 'base64' : 'utf8');
  if (bytes.subarray(0, 8000).includes(0)) {
    out.skipped.push(`${file.filename} (binary)`);
    return;
  }
  out.pieces.push({ path: file.filename, commit, startLine: 1, text: bytes.toString('utf8') });
}
