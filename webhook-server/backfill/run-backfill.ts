// One repository's history scan (docs/github-app.md#what-was-there-before-the-history-scan), the
// work of a `github_backfill_jobs` row: clone it as the installation, scan every ref as
// `lfk scan --git --all` does (encoded text, archives and binary files included), revoke the live
// keys found with their blob URLs (owners are told by the key service's outbox, once per key), and
// sum it up in the `lfk history` check run on the default branch's head. Running it again after a
// crash is harmless: revoked keys answer already_revoked.
import { PermanentError } from '../../platform/queue/queue-worker.js';
import type { GithubBackfillJobsTable } from '../../platform/database/schema.js';
import { reportExposures } from '../../scanner/report-exposures.js';
import { scanGit } from '../../scanner/scan-git.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../scanner/sources/file-fragments.js';
import { git } from '../../scanner/sources/git.js';
import { withMirror } from '../../scanner/sources/git-clone.js';
import { DEFAULT_ARCHIVE_OPTIONS } from '../../scanner/unpack/scan-archive.js';
import { classifyGithubError, type InstallationOctokit } from '../github/client.js';
import { reportCheckRun } from '../handlers/check-run.js';
import type { HandlerDeps } from '../handlers/deps.js';
import { revokeFoundInGithub } from '../handlers/github-exposures.js';
import { installationIsGone } from '../handlers/on-installation.js';

interface RepositoryInfo {
  defaultBranch: string;
  cloneUrl: string;
  htmlUrl: string;
}

export async function runBackfill(row: GithubBackfillJobsTable, deps: HandlerDeps): Promise<unknown> {
  const installationId = Number(row.installation_id);
  const { repository } = row;
  if (await installationIsGone(deps.store, installationId))
    return { repository, skipped: `installation ${installationId} was removed or suspended` };
  if (!(await stillInstalled(deps, row)))
    return { repository, skipped: 'the repository was removed from the installation before its turn' };
  if (!deps.github) throw new PermanentError('LFK_GITHUB_APP_ID and LFK_GITHUB_PRIVATE_KEY are not set');
  const [owner = '', repo = ''] = repository.split('/');
  const octokit = deps.github.forInstallation(installationId);
  const info = await repositoryInfo(octokit, owner, repo);
  // Asked for right before the clone, and fresh enough for a long one (installation tokens last an hour).
  const token = await installationToken(octokit);
  const { ruleSet, revocable } = deps.rules();
  const { scan, head } = await withMirror(
    info.cloneUrl,
    { auth: { username: 'x-access-token', password: token } },
    async (gitDir) => ({
      scan: await scanGit(
        { kind: 'history', all: true },
        {
          cwd: gitDir,
          ruleSet,
          reportInvalid: false,
          maxFileSize: DEFAULT_MAX_FILE_SIZE,
          archives: DEFAULT_ARCHIVE_OPTIONS,
        },
      ),
      head: branchHead(gitDir, info.defaultBranch),
    }),
  );
  const outcomes = await reportExposures(scan.findings, revocable, (batch) =>
    revokeFoundInGithub(deps, { fullName: repository, htmlUrl: info.htmlUrl, defaultCommit: head ?? '' }, batch),
  );
  // An empty repository has no head to put a check run on.
  const checkRunId = head
    ? await reportCheckRun(octokit, { owner, repo, headSha: head, scope: 'history' }, scan.findings, [], deps.now())
    : undefined;
  const count = (outcome: string) => [...outcomes.values()].filter((value) => value === outcome).length;
  return {
    repository,
    commits: scan.stats.commits ?? 0,
    findings: scan.findings.length,
    revoked: count('revoked'),
    already_revoked: count('already_revoked'),
    warnings: scan.warnings.length,
    ...(checkRunId !== undefined && { check_run_id: checkRunId }),
  };
}

/** A repository removed from a selected-repositories installation after it was queued is skipped. */
async function stillInstalled(deps: HandlerDeps, row: GithubBackfillJobsTable): Promise<boolean> {
  const installation = await deps.store.db
    .selectFrom('github_installations')
    .select(['repository_selection', 'repositories'])
    .where('id', '=', row.installation_id)
    .executeTakeFirst();
  if (!installation || installation.repository_selection === 'all' || installation.repositories === null) return true;
  return (JSON.parse(installation.repositories) as string[]).includes(row.repository);
}

async function repositoryInfo(octokit: InstallationOctokit, owner: string, repo: string): Promise<RepositoryInfo> {
  try {
    const { data } = await octokit.rest.repos.get({ owner, repo });
    return { defaultBranch: data.default_branch, cloneUrl: data.clone_url, htmlUrl: data.html_url };
  } catch (error) {
    return classifyGithubError(error, `the repository ${owner}/${repo}`);
  }
}

/** A clone and its scan must not outlive the token: one with less than this left is replaced first. */
const MIN_TOKEN_LIFE_MS = 15 * 60_000;

async function installationToken(octokit: InstallationOctokit): Promise<string> {
  try {
    // @octokit/auth-app caches a token for most of its hour without looking at its own expiry.
    let auth = (await octokit.auth({ type: 'installation' })) as { token: string; expiresAt: string };
    if (Date.parse(auth.expiresAt) - Date.now() < MIN_TOKEN_LIFE_MS)
      auth = (await octokit.auth({ type: 'installation', refresh: true })) as typeof auth;
    return auth.token;
  } catch (error) {
    return classifyGithubError(error, 'the installation token');
  }
}

function branchHead(gitDir: string, branch: string): string | undefined {
  const run = git(gitDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${branch}^{commit}`]);
  return run.status === 0 ? run.stdout.trim() : undefined;
}
