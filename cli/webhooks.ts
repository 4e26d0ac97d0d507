// The webhook side of `lfk serve`: the receivers with their inbox worker, and the worker that tells
// owners about revoked keys (it runs wherever the key service does, since the key service writes
// the outbox). Loaded only by `lfk serve`, so `lfk scan` never loads Octokit.
import { httpReporter, inProcessReporter } from '../key-service/exposure-reporter.js';
import type { Logger } from '../platform/logger.js';
import { createSmtpMailer } from '../key-service/notify/deliver-email.js';
import { createNotifyWorker } from '../key-service/notify/notify-worker.js';
import type { KeyService } from '../key-service/service/key-service.js';
import type { Store } from '../platform/database/database.js';
import { createWebhookServer } from '../webhook-server/webhook-server.js';
import type { ServerSettings } from './settings.js';

export async function startWebhooks(
  settings: ServerSettings,
  parts: { store: Store; service: KeyService; logger: Logger },
) {
  const { store, service, logger } = parts;
  if (settings.keyServiceUrl && !settings.serviceToken) {
    logger.warn(
      "LFK_KEY_SERVICE_URL is set without LFK_SERVICE_TOKEN: webhooks report to this server's own key service",
    );
  }
  const reporter =
    settings.keyServiceUrl && settings.serviceToken
      ? httpReporter(settings.keyServiceUrl, settings.serviceToken)
      : inProcessReporter(service);
  const webhooks = createWebhookServer({ store, logger, reporter, settings: settings.webhooks });
  const mailer = settings.smtpUrl
    ? await createSmtpMailer(settings.smtpUrl, { timeoutMs: settings.outboundTimeoutMs })
    : undefined;
  const notifier = createNotifyWorker({
    store,
    logger,
    mailer,
    mailFrom: settings.mailFrom,
    publicUrl: settings.publicUrl,
    allowPrivateUrls: settings.allowPrivateUrls,
    timeoutMs: settings.outboundTimeoutMs,
    ...(settings.webhooks.inboxStartDelayMs !== undefined && { startDelayMs: settings.webhooks.inboxStartDelayMs }),
  });
  // A revocation made here wakes the notifier at once instead of at its next poll.
  service.onExposureRevoked(() => notifier.wake());
  webhooks.worker.start();
  webhooks.backfill.start();
  notifier.start();
  return {
    app: webhooks.app,
    async stop() {
      await Promise.all([webhooks.worker.stop(), webhooks.backfill.stop(), notifier.stop()]);
      mailer?.close();
    },
  };
}
