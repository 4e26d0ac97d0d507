// Composes what `lfk serve` runs: the store, the key service and the Hono apps, listening.
import { serve, type ServerType } from '@hono/node-server';
import { createApiApp } from '../key-service/http/app.js';
import { createApiMetrics } from '../key-service/http/metrics.js';
import { registerQueueMetrics } from '../key-service/store/queue-stats.js';
import { createLogger, errorFields, type Logger } from '../key-service/logger.js';
import { openStore, type Store } from '../key-service/store/database.js';
import { KeyService } from '../key-service/service/key-service.js';
import { createWebApp } from '../key-service/web/app.js';
import type { ServerSettings } from './settings.js';
import { redactUrl } from './database-command.js';
import { startWebhooks } from './webhooks.js';

export interface RunningServer {
  url: string;
  port: number;
  service: KeyService;
  store: Store;
  logger: Logger;
  /** The one-time setup link's token when the database has no user yet (SPEC §2.4). */
  setupToken: string | null;
  close(): Promise<void>;
}

export async function startServer(settings: ServerSettings, logger: Logger = createLogger(settings.logLevel)): Promise<RunningServer> {
  const store = await openStore(settings.databaseUrl, {
    poolSize: settings.poolSize,
    onPoolError: (error) => logger.warn('database connection lost', errorFields(error)),
  });
  const service = new KeyService(store);
  service.start((error) => logger.warn('background write failed; will retry', errorFields(error)));
  const stopFollowing = await service.followRevocations((error) => logger.warn('revocation listener lost; reconnecting', errorFields(error)));
  const web = createWebApp({ service, logger, publicUrl: settings.publicUrl, trustProxy: settings.trustProxy, allowPrivateUrls: settings.allowPrivateUrls });
  const metrics = createApiMetrics(service);
  registerQueueMetrics(metrics.registry, store);
  const app = createApiApp({
    service,
    logger,
    metrics,
    sessions: web.sessions,
    serviceToken: settings.serviceToken,
    metricsToken: settings.metricsToken,
    publicUrl: settings.publicUrl,
    trustProxy: settings.trustProxy,
    reportRateLimit: settings.reportRateLimit,
    keyRateLimit: settings.keyRateLimit,
    authFailureLimit: settings.authFailureLimit,
    allowPrivateUrls: settings.allowPrivateUrls,
  });
  app.route('/', web.app);
  const webhooks = await startWebhooks(settings, { store, service, logger });
  app.route('/', webhooks.app);
  const setupToken = await web.issueSetupToken();

  const server: ServerType = await new Promise((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host }, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  logger.info('lfk serving', { url, database: redactUrl(settings.databaseUrl), dialect: store.dialect });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish, then write what is counted and close.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopFollowing();
      await webhooks.stop().catch((error) => logger.warn('webhook workers did not stop cleanly', errorFields(error)));
      await service.stop().catch((error) => logger.warn('final write failed', errorFields(error)));
      await store.close();
    })());
  return { url, port, service, store, logger, setupToken, close };
}
