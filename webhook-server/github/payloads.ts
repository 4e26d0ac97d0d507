// GitHub's webhook payloads as @octokit/webhooks types them (generated from GitHub's OpenAPI
// description of its webhooks). Types only: nothing of the package is loaded at run time, and a
// type checks nothing. What lfk relies on beyond the schema is checked by the App receiver
// before a delivery is stored (a JSON object; a push or an alert names its installation).
import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks';

type Payload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>['payload'];

/** An App delivery the receiver stored names its installation (optional in the schema). */
type Installed<P> = P & { installation: { id: number } };

export type PushPayload = Installed<Payload<'push'>>;

/** The schema marks `alert.number` optional; the alert is fetched and resolved by it. */
export type AlertPayload = Installed<Payload<'secret_scanning_alert'>> & { alert: { number: number } };

/** An installation event with its name, so the name tells which payload it is. */
export type InstallationDelivery =
  | { event: 'installation'; payload: Payload<'installation'> }
  | { event: 'installation_repositories'; payload: Payload<'installation_repositories'> };

type Installation = Payload<'installation'>['installation'];

/** The installation's account: a user or an organization has a login and a type, an enterprise neither. */
export function accountOf(installation: Installation): { login: string | undefined; type: string | undefined } {
  const account = installation.account;
  return {
    login: account && 'login' in account ? account.login : undefined,
    type: account && 'type' in account ? account.type : undefined,
  };
}

/** `all` or `selected`: `installation_repositories` says it beside the installation too. */
export function selectionOf(delivery: InstallationDelivery): string | undefined {
  const beside = delivery.event === 'installation_repositories' ? delivery.payload.repository_selection : undefined;
  return beside ?? delivery.payload.installation.repository_selection;
}

/** The repository's owner, from the payload: its login, else its name, else `full_name`'s first part. */
export function ownerOf(repository: {
  full_name: string;
  owner: { login?: string; name?: string | null } | null;
}): string {
  return repository.owner?.login ?? repository.owner?.name ?? repository.full_name.split('/')[0]!;
}
