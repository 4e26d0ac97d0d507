// GitGuardian incident events (docs/webhooks.md#gitguardian): the key by `incident.hmsl_hash`,
// revoked; then, with LFK_GITGUARDIAN_API_TOKEN, the incident resolved as revoked.
import { retryAfterMs } from '../../platform/outbound/retry-after.js';
import { DEFAULT_OUTBOUND_TIMEOUT_MS } from '../../platform/outbound/timeouts.js';
import { PermanentError, RetryLaterError, UnavailableError } from '../../platform/queue/queue-worker.js';
import type { HandlerDeps } from './deps.js';

export interface IncidentPayload {
  action: string;
  incident: { id: number | string; hmsl_hash: string; gitguardian_url?: string; detector?: { display_name?: string } };
  occurrence?: { url?: string; filepath?: string; source?: { full_name?: string } };
}

export async function onGitguardianIncident(payload: IncidentPayload, deps: HandlerDeps): Promise<unknown> {
  const { incident, occurrence } = payload;
  const location = occurrence?.url ?? [occurrence?.source?.full_name, occurrence?.filepath].filter(Boolean).join(':');
  const [status] = await deps.reporter.revokeByHmsl([incident.hmsl_hash], {
    source: {
      kind: 'gitguardian',
      ...(incident.gitguardian_url && { url: incident.gitguardian_url }),
      location: location || `GitGuardian incident ${incident.id}`,
    },
    reason: 'exposed:gitguardian',
  });
  if (status !== 'revoked' && status !== 'already_revoked') return { incident: incident.id, status, resolved: false };
  const { apiToken, apiUrl } = deps.gitguardian;
  if (!apiToken) return { incident: incident.id, status, resolved: 'LFK_GITGUARDIAN_API_TOKEN is not set' };
  const url = `${apiUrl.replace(/\/+$/, '')}/v1/incidents/secrets/${encodeURIComponent(String(incident.id))}/resolve`;
  let response: Response;
  try {
    response = await (deps.gitguardian.fetch ?? fetch)(url, {
      method: 'POST',
      headers: {
        authorization: `Token ${apiToken}`,
        'content-type': 'application/json',
        'user-agent': 'lfk-webhook-server',
      },
      body: JSON.stringify({ secret_revoked: true }),
      signal: AbortSignal.timeout(deps.gitguardian.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS),
    });
  } catch (error) {
    // The key is revoked already; only the incident's status waits, retried until GitGuardian answers.
    throw new UnavailableError(
      `GitGuardian cannot be reached to resolve incident ${incident.id} (${(error as Error).message})`,
    );
  }
  await response.body?.cancel();
  // 409: the incident is already resolved or ignored; nothing left to do.
  if (response.ok || response.status === 409)
    return { incident: incident.id, status, resolved: response.ok ? true : 'already' };
  const message = `GitGuardian answered ${response.status} when resolving incident ${incident.id}`;
  if (response.status === 429) {
    const wait = retryAfterMs(response.headers) ?? 60_000;
    throw new RetryLaterError(`${message}; retrying in ${Math.ceil(wait / 1000)} s`, wait);
  }
  if (response.status === 401 || response.status === 403 || response.status === 404) throw new PermanentError(message);
  if (response.status >= 500) throw new UnavailableError(message);
  throw new Error(message);
}
