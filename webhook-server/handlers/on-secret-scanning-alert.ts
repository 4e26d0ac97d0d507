// `secret_scanning_alert` created / reopened / publicly_leaked (docs/github-app.md#2-install-it):
// the webhook does not carry the secret, so fetch the alert; a well-formed lfk key is revoked and
// the alert resolved as `revoked` with a comment. Other secrets are left alone. The secret is never
// stored or logged.
import { isWellFormedKey, sha256Hex } from '../../platform/key-format.js';
import { PermanentError } from '../../platform/queue/queue-worker.js';
import { classifyGithubError } from '../github/client.js';
import { ownerOf, type AlertPayload } from '../github/payloads.js';
import type { HandlerDeps } from './deps.js';
import { installationIsGone } from './on-installation.js';

export async function onSecretScanningAlert(payload: AlertPayload, deps: HandlerDeps): Promise<unknown> {
  const installationId = payload.installation.id;
  if (await installationIsGone(deps.store, installationId))
    return { skipped: `installation ${installationId} was removed or suspended` };
  if (!deps.github) throw new PermanentError('LFK_GITHUB_APP_ID and LFK_GITHUB_PRIVATE_KEY are not set');
  const octokit = deps.github.forInstallation(installationId);
  const owner = ownerOf(payload.repository);
  const where = { owner, repo: payload.repository.name, alert_number: payload.alert.number };
  let alert: { secret?: string | undefined; state?: string | undefined; html_url?: string | undefined };
  try {
    ({ data: alert } = await octokit.rest.secretScanning.getAlert(where));
  } catch (error) {
    return classifyGithubError(error, `GET secret scanning alert #${where.alert_number}`);
  }
  if (typeof alert.secret !== 'string' || !isWellFormedKey(alert.secret))
    return { alert: where.alert_number, ignored: 'not an lfk key' };
  const sha256 = sha256Hex(alert.secret);
  const url = alert.html_url ?? payload.alert.html_url;
  const source = {
    kind: 'github' as const,
    ...(url && { url }),
    location: `${payload.repository.full_name} secret scanning alert #${where.alert_number}`,
  };
  const [status] = await deps.reporter.revokeBySha256([{ sha256, source }], 'exposed:github-app');
  if (status !== 'revoked' && status !== 'already_revoked')
    return { alert: where.alert_number, status, resolved: false };
  if (alert.state === 'resolved') return { alert: where.alert_number, status, resolved: 'already' };
  const comment =
    status === 'revoked'
      ? `Revoked by lfk at ${deps.now().toISOString()}: this Trust Leads API key was exposed in ${payload.repository.full_name}. The owner has been told.`
      : `Checked by lfk at ${deps.now().toISOString()}: this Trust Leads API key had already been revoked; it no longer works.`;
  try {
    await octokit.rest.secretScanning.updateAlert({
      ...where,
      state: 'resolved',
      resolution: 'revoked',
      resolution_comment: comment,
    });
  } catch (error) {
    return classifyGithubError(error, `PATCH secret scanning alert #${where.alert_number}`);
  }
  return { alert: where.alert_number, status, resolved: true };
}
