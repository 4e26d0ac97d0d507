// `installation` and `installation_repositories`: the App's installations, kept in a table so a
// push from a removed or suspended installation is skipped without calling GitHub.
import type { Store } from '../../platform/database/database.js';
import type { GithubInstallationsTable } from '../../platform/database/schema.js';
import { accountOf, selectionOf, type InstallationDelivery } from '../github/payloads.js';

const STATUS_BY_ACTION: Record<string, GithubInstallationsTable['status']> = {
  created: 'active',
  unsuspend: 'active',
  new_permissions_accepted: 'active',
  deleted: 'deleted',
  suspend: 'suspended',
};

export async function onInstallation(
  delivery: InstallationDelivery,
  store: Store,
  now: Date,
): Promise<{ installation: string; action: string; status: string }> {
  const { event, payload } = delivery;
  const id = String(payload.installation.id);
  const at = now.toISOString();
  const existing = await store.db
    .selectFrom('github_installations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  const selection = selectionOf(delivery) ?? existing?.repository_selection ?? 'all';
  let repositories: string[] | null = existing?.repositories ? (JSON.parse(existing.repositories) as string[]) : null;
  let status = existing?.status ?? 'active';
  if (event === 'installation') {
    status = STATUS_BY_ACTION[payload.action] ?? status;
    if (payload.action === 'created' && payload.repositories)
      repositories = payload.repositories.map((repo) => repo.full_name);
  } else {
    const removed = new Set((payload.repositories_removed ?? []).map((repo) => repo.full_name));
    repositories = [
      ...new Set([
        ...(repositories ?? []).filter((name) => !removed.has(name)),
        ...(payload.repositories_added ?? []).map((repo) => repo.full_name),
      ]),
    ];
  }
  const account = accountOf(payload.installation);
  const row = {
    account_login: account.login ?? existing?.account_login ?? '',
    account_type: account.type ?? existing?.account_type ?? '',
    repository_selection: selection,
    repositories: selection === 'all' ? null : JSON.stringify(repositories ?? []),
    status,
    updated_at: at,
  };
  await store.db
    .insertInto('github_installations')
    .values({ id, ...row, created_at: at })
    .onConflict((conflict) => conflict.column('id').doUpdateSet(row))
    .execute();
  return { installation: id, action: payload.action, status };
}

export async function installationIsGone(store: Store, installationId: number): Promise<boolean> {
  const row = await store.db
    .selectFrom('github_installations')
    .select('status')
    .where('id', '=', String(installationId))
    .executeTakeFirst();
  return row !== undefined && row.status !== 'active';
}
