// An installation (`installation` `created`) or repositories added to one
// (`installation_repositories` `added`) queue one history scan per repository concerned
// (docs/github-app.md#what-was-there-before-the-history-scan). With the selection `all` the
// repositories are listed through the API. Each job's dedup key is the delivery and the repository,
// so a delivery handled again (a retry, a crash) queues nothing twice.
import { newId } from '../../platform/ids.js';
import type { Store } from '../../platform/database/database.js';
import { classifyGithubError, type GithubApps } from '../github/client.js';
import { selectionOf, type InstallationDelivery } from '../github/payloads.js';

export interface QueuedScans {
  queued: number;
  repositories: number;
}

/** The repositories an event asks to scan (listing them when the selection is `all`), queued. */
export async function queueHistoryScans(
  installation: InstallationDelivery,
  delivery: string,
  deps: { store: Store; github: GithubApps | undefined; now: () => Date },
): Promise<QueuedScans | undefined> {
  const { event, payload } = installation;
  const installationId = payload.installation.id;
  let repositories: string[];
  if (event === 'installation' && payload.action === 'created') {
    const all = selectionOf(installation) === 'all';
    repositories =
      all || !payload.repositories
        ? await listInstallationRepositories(deps.github, installationId)
        : payload.repositories.map((repo) => repo.full_name);
  } else if (event === 'installation_repositories' && payload.action === 'added') {
    repositories = (payload.repositories_added ?? []).map((repo) => repo.full_name);
  } else {
    return undefined;
  }
  const at = deps.now().toISOString();
  const rows = [...new Set(repositories)].map((repository) => ({
    id: newId('bfj'),
    installation_id: String(installationId),
    repository,
    dedup_key: `${delivery}:${repository}`,
    payload: JSON.stringify({ installation_id: installationId, repository }),
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: at,
    created_at: at,
  }));
  if (rows.length === 0) return { queued: 0, repositories: 0 };
  const inserted = await deps.store.db
    .insertInto('github_backfill_jobs')
    .values(rows)
    .onConflict((conflict) => conflict.column('dedup_key').doNothing())
    .executeTakeFirst();
  return { queued: Number(inserted.numInsertedOrUpdatedRows ?? 0), repositories: rows.length };
}

async function listInstallationRepositories(github: GithubApps | undefined, installationId: number): Promise<string[]> {
  if (!github) return [];
  const octokit = github.forInstallation(installationId);
  try {
    const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    return repositories.map((repo) => repo.full_name);
  } catch (error) {
    return classifyGithubError(error, 'the installation repository listing');
  }
}
