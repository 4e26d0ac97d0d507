// `lfk scan --git URL` and `lfk scan --github OWNER[/REPO]` (docs/git.md#remote-repositories):
// repositories that are not here are cloned (mirror, temporary: scanner/sources/git-clone.ts) and
// every ref is scanned as `lfk scan --git --all` scans a local one. GitHub repositories are listed
// through LFK_GITHUB_API_URL with GITHUB_TOKEN, which is also what the clones authenticate with;
// findings carry `repository` and the blob `url`.
import type { GitScanResult } from '../../scanner/scan-git.js';
import { blobUrl } from '../../scanner/report/blob-url.js';
import { terminalSafe } from '../../scanner/report/terminal-safe.js';
import { emptyStats, addStats, type Finding } from '../../scanner/types.js';
import { UsageError } from '../command.js';
import type { GitScanSettings } from './scan-git.js';

export type RemoteSelection = { kind: 'url'; url: string } | { kind: 'github'; owner: string; repo?: string };

interface RemoteTarget {
  cloneUrl: string;
  /** `owner/name`, or the URL for another host. */
  repository: string;
  /** `https://github.com/owner/name`, for blob URLs. */
  htmlUrl?: string;
}

/** The remote selection the flags make: `--git URL` or `--github OWNER[/REPO]`. */
export function remoteSelection(
  values: { git?: boolean | undefined; github?: string | undefined },
  positionals: readonly string[],
): RemoteSelection | undefined {
  if (values.github !== undefined) {
    if (values.git)
      throw new UsageError(
        '--github and --git cannot be combined (--github scans every ref of each repository already)',
      );
    if (positionals.length > 0)
      throw new UsageError(`--github scans repositories on GitHub: paths ("${positionals[0]}") cannot be given`);
    const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?:\/([A-Za-z0-9._-]{1,100}))?$/.exec(values.github);
    if (!match) throw new UsageError(`--github takes OWNER or OWNER/REPO, not "${values.github}"`);
    return { kind: 'github', owner: match[1]!, ...(match[2] !== undefined && { repo: match[2] }) };
  }
  if (values.git && positionals.length === 1 && /^[a-z][a-z0-9+.-]*:\/\//i.test(positionals[0]!))
    return { kind: 'url', url: positionals[0]! };
  return undefined;
}

export interface RemoteEnvironment {
  githubApiUrl: string;
  githubToken: string | undefined;
  fetch?: typeof fetch;
}

export async function runRemoteScan(
  selection: RemoteSelection,
  settings: Omit<GitScanSettings, 'cwd'>,
  env: RemoteEnvironment,
): Promise<GitScanResult> {
  const { scanGit, GitError } = await import('../../scanner/scan-git.js');
  const { withMirror } = await import('../../scanner/sources/git-clone.js');
  const targets = selection.kind === 'url' ? [urlTarget(selection.url)] : await githubTargets(selection, env);
  const auth = env.githubToken ? { username: 'x-access-token', password: env.githubToken } : undefined;
  const result: GitScanResult = {
    findings: [],
    warnings: [],
    stats: { ...emptyStats(), commits: 0 },
    root: process.cwd(),
  };
  const progress = process.stderr.isTTY ? remoteProgress(targets.length) : undefined;
  try {
    for (const [index, target] of targets.entries()) {
      progress?.repository(index, target.repository);
      // Only GitHub's own hosts get the token: a URL elsewhere is cloned without credentials.
      const useAuth = selection.kind === 'github' || isGithubUrl(target.cloneUrl) ? auth : undefined;
      try {
        const scanned = await withMirror(target.cloneUrl, { ...(useAuth && { auth: useAuth }) }, (gitDir) =>
          scanGit(
            { kind: 'history', all: true },
            { ...settings, cwd: gitDir, ...(progress && { onCommit: progress.commits }) },
          ),
        );
        for (const finding of scanned.findings) result.findings.push(withPlace(finding, target));
        result.warnings.push(...scanned.warnings.map((warning) => `${target.repository}: ${warning}`));
        addStats(result.stats, scanned.stats);
        result.stats.commits! += scanned.stats.commits ?? 0;
        progress?.done(index + 1);
      } catch (error) {
        // One repository that cannot be cloned does not stop an owner's scan; a single one is an error.
        if (!(error instanceof GitError) || targets.length === 1)
          throw error instanceof GitError ? new UsageError(terminalSafe(error.message)) : error;
        result.warnings.push(`${target.repository}: ${error.message}; not scanned`);
      }
    }
  } finally {
    progress?.end();
  }
  return result;
}

function withPlace(finding: Finding, target: RemoteTarget): Finding {
  const commit = finding.commit?.commit;
  const url = target.htmlUrl && commit ? blobUrl(target.htmlUrl, commit, finding) : undefined;
  return { ...finding, repository: target.repository, ...(url && { url }) };
}

function isGithubUrl(url: string): boolean {
  return /^https:\/\/github\.com\//.test(url);
}

function urlTarget(url: string): RemoteTarget {
  const github = /^https:\/\/github\.com\/([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  return github
    ? { cloneUrl: url, repository: github[1]!, htmlUrl: `https://github.com/${github[1]}` }
    : { cloneUrl: url, repository: url };
}

interface GithubRepository {
  full_name: string;
  clone_url: string;
  html_url: string;
  archived?: boolean;
}

/** OWNER/REPO, or every repository of OWNER (an organisation's, else a user's), through the REST API. */
async function githubTargets(
  selection: Extract<RemoteSelection, { kind: 'github' }>,
  env: RemoteEnvironment,
): Promise<RemoteTarget[]> {
  const get = async (path: string) => {
    const response = await (env.fetch ?? fetch)(`${env.githubApiUrl}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        'user-agent': 'lfk',
        ...(env.githubToken && { authorization: `Bearer ${env.githubToken}` }),
      },
      signal: AbortSignal.timeout(30_000),
    });
    return response;
  };
  const toTarget = (repo: GithubRepository): RemoteTarget => ({
    cloneUrl: repo.clone_url,
    repository: repo.full_name,
    htmlUrl: repo.html_url,
  });
  if (selection.repo !== undefined) {
    const response = await get(`/repos/${selection.owner}/${selection.repo}`);
    if (!response.ok) throw new UsageError(githubRefusal(response.status, `${selection.owner}/${selection.repo}`, env));
    return [toTarget((await response.json()) as GithubRepository)];
  }
  for (const kind of ['orgs', 'users']) {
    const repositories: GithubRepository[] = [];
    for (let page = 1; ; page++) {
      const response = await get(`/${kind}/${selection.owner}/repos?per_page=100&page=${page}&type=all`);
      if (response.status === 404 && kind === 'orgs' && page === 1) break;
      if (!response.ok) throw new UsageError(githubRefusal(response.status, selection.owner, env));
      const batch = (await response.json()) as GithubRepository[];
      repositories.push(...batch);
      if (batch.length < 100) return repositories.map(toTarget);
    }
  }
  throw new UsageError(`GitHub has no organisation or user "${selection.owner}"`);
}

function githubRefusal(status: number, what: string, env: RemoteEnvironment): string {
  if (status === 404)
    return `GitHub has no repository or owner ${what}${env.githubToken ? '' : ' (or it is private: set GITHUB_TOKEN)'}`;
  if (status === 401) return 'GitHub refused GITHUB_TOKEN (401): it is wrong or expired';
  if (status === 403 || status === 429)
    return `GitHub refused the listing of ${what} (${status}: a rate limit or a missing permission)`;
  return `GitHub answered ${status} to the listing of ${what}`;
}

function remoteProgress(total: number) {
  let commits = 0;
  let base = 0;
  let done = 0;
  let name = '';
  let last = 0;
  let drawn = false;
  const draw = () => {
    process.stderr.write(`\r\x1b[Krepositories ${done}/${total}, ${base + commits} commits: ${terminalSafe(name)}`);
    drawn = true;
  };
  return {
    repository(index: number, repository: string) {
      done = index;
      name = repository;
      draw();
    },
    commits(count: number) {
      commits = count;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw();
    },
    done(count: number) {
      done = count;
      base += commits;
      commits = 0;
      draw();
    },
    end() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
