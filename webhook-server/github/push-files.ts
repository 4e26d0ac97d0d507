// The files a push changed, through the REST API as the installation
// (docs/reference/github.md §3.2): one compare when it lists every file (under 300), otherwise each
// pushed commit on its own, paging its files past 300; and the blobs the scanner's GitHub push
// source asks for. Only the I/O lives here: what the files hold is read by
// scanner/sources/github-push.ts.
import type { GithubChangedFile, GithubPushFile, ReadBlob } from '../../scanner/sources/github-push.js';
import type { InstallationOctokit } from './client.js';
import { classifyGithubError } from './client.js';

export const ZERO_SHA = '0000000000000000000000000000000000000000';
/** Compare answers list at most 300 files; at that count the list may be incomplete. */
const COMPARE_FILE_LIMIT = 300;

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

export interface PushedFiles {
  files: GithubPushFile[];
  /** How the files were listed (`compare` or `commits`), for the delivery's result. */
  via: 'compare' | 'commits' | 'none';
}

export async function listPushedFiles(octokit: InstallationOctokit, push: PushRef): Promise<PushedFiles> {
  if (push.deleted || push.after === ZERO_SHA) return { files: [], via: 'none' };
  // A normal or forced push of an existing branch: one three-dot compare (from the merge base).
  if (!push.created && push.before !== ZERO_SHA) {
    const files = await compareFiles(octokit, push);
    if (files && files.length < COMPARE_FILE_LIMIT)
      return { files: files.map((file) => ({ commit: push.after, file })), via: 'compare' };
  }
  // A new branch, a compare that cannot list every file, or one GitHub cannot answer: commit by commit.
  const files: GithubPushFile[] = [];
  for (const sha of push.commits.length > 0 ? push.commits : [push.after]) {
    for (const file of await commitFiles(octokit, push, sha)) files.push({ commit: sha, file });
  }
  return { files, via: 'commits' };
}

/** Reads a blob of the pushed repository (a file whose patch is missing or cut). */
export function blobReader(octokit: InstallationOctokit, push: PushRef): ReadBlob {
  return async (sha, file) => {
    try {
      const { data } = await octokit.rest.git.getBlob({ owner: push.owner, repo: push.repo, file_sha: sha });
      return Buffer.from(data.content ?? '', data.encoding === 'base64' ? 'base64' : 'utf8');
    } catch (error) {
      return classifyGithubError(error, `GET blob of ${file}`);
    }
  };
}

async function compareFiles(octokit: InstallationOctokit, push: PushRef): Promise<GithubChangedFile[] | null> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: push.owner,
      repo: push.repo,
      basehead: `${push.before}...${push.after}`,
    });
    return (data.files ?? []) as GithubChangedFile[];
  } catch (error) {
    // After a force push the old head may be gone from GitHub: fall back to the pushed commits.
    if ((error as { status?: number }).status === 404) return null;
    return classifyGithubError(error, `GET compare ${push.before.slice(0, 7)}...${push.after.slice(0, 7)}`);
  }
}

/** Every file of one commit, following the Link header past the first 300. */
async function commitFiles(octokit: InstallationOctokit, push: PushRef, sha: string): Promise<GithubChangedFile[]> {
  const files: GithubChangedFile[] = [];
  for (let page = 1; page <= 10; page++) {
    let response;
    try {
      response = await octokit.rest.repos.getCommit({
        owner: push.owner,
        repo: push.repo,
        ref: sha,
        page,
        per_page: 300,
      });
    } catch (error) {
      return classifyGithubError(error, `GET commit ${sha.slice(0, 7)}`);
    }
    files.push(...((response.data.files ?? []) as GithubChangedFile[]));
    if (!/rel="next"/.test(String(response.headers.link ?? ''))) break;
  }
  return files;
}
