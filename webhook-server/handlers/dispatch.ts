// From a stored delivery to its handler: the inbox worker calls this for every claimed row.
import { PermanentError } from '../../platform/queue/queue-worker.js';
import type { WebhookDeliveriesTable } from '../../platform/database/schema.js';
import type { EventDelivery, PartnerDelivery } from '../deliveries.js';
import type { AlertPayload, InstallationDelivery, PushPayload } from '../github/payloads.js';
import { queueHistoryScans } from '../backfill/queue-scans.js';
import type { HandlerDeps } from './deps.js';
import { onGitguardianIncident, type IncidentPayload } from './on-gitguardian-incident.js';
import { onInstallation } from './on-installation.js';
import { onPartnerBatch } from './on-partner-batch.js';
import { onPush } from './on-push.js';
import { onSecretScanningAlert } from './on-secret-scanning-alert.js';

export async function handleDelivery(row: WebhookDeliveriesTable, deps: HandlerDeps): Promise<unknown> {
  let stored: unknown;
  try {
    stored = JSON.parse(row.payload);
  } catch {
    throw new PermanentError('the stored payload is not JSON');
  }
  if (row.provider === 'github-partner' || row.provider === 'gitlab')
    return onPartnerBatch(stored as PartnerDelivery, row.provider, deps);
  const { body, keys } = stored as EventDelivery;
  if (row.provider === 'gitguardian') return onGitguardianIncident(body as IncidentPayload, deps);
  switch (row.event) {
    case 'push':
      return onPush(body as PushPayload, keys, deps);
    case 'secret_scanning_alert':
      return onSecretScanningAlert(body as AlertPayload, deps);
    case 'installation':
    case 'installation_repositories': {
      const installation = { event: row.event, payload: body } as InstallationDelivery;
      const installed = await onInstallation(installation, deps.store, deps.now());
      // What was there before the App (docs/github-app.md#what-was-there-before-the-history-scan):
      // a history scan per repository, queued.
      const history = await queueHistoryScans(installation, row.id, deps);
      if (history && history.queued > 0) deps.wakeBackfill?.();
      return history ? { ...installed, history_scans: history } : installed;
    }
    default:
      return { ignored: row.event };
  }
}
