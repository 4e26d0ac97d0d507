// Composes what `lfk serve` runs: the store, the key service and the Hono apps, listening.
import { serve, type ServerType } from '@hono/node-server';
import { createApiApp } from '../key-service/http/app.js';
import { createApiMetrics } from '../key-service/http/metrics.js';
import { registerBackfillMetrics, registerQueueMetrics } from '../platform/queue/queue-stats.js';
import { createLogger, errorFields, type Logger } from '../platform/logger.js';
import { openStore, type Store } from '../platform/database/database.js';
import { KeyService } from '../key-service/service/key-service.js';
import { createWebApp } from '../key-service/web/app.js';
import { UsageError } from './command.js';
import type { Environment, ServerSettings } from './settings.js';
import { redactUrl } from './database-command.js';
import { startWebhooks } from './webhooks.js';

export interface RunningServer {
  url: string;
  port: number;
  service: KeyService;
  store: Store;
  logger: Logger;
  /** The one-time setup link's token when the database has no user yet (README.md#the-api-keys-page). */
  setupToken: string | null;
  close(): Promise<void>;
}

/**
 * How long a client may take to send its request line and headers, and its whole request, body
 * included (LFK_HTTP_HEADERS_TIMEOUT_MS, LFK_HTTP_REQUEST_TIMEOUT_MS); past either, Node answers
 * 408 and closes the connection, so a stalled upload holds nothing for long. Node's own defaults
 * (60 s and 300 s) let 100 stalled 24 MB uploads hold a gigabyte for five minutes.
 */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

// Headers are a few KiB: 10 s is ages even on a bad link. The largest body anyone sends is a
// GitHub delivery of at most 25 MB, and GitHub gives up on a delivery after 10 s, so 30 s covers
// it with room (25 MB in 30 s needs ~7 Mbit/s); the API's bodies are at most 256 KiB.
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

function wholeMs(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max)
    throw new UsageError(`${name} must be a whole number from 1 to ${max} (got "${value}")`);
  return parsed;
}

/** LFK_HTTP_HEADERS_TIMEOUT_MS and LFK_HTTP_REQUEST_TIMEOUT_MS, checked like the other settings (cli/settings.ts). */
export function httpTimeouts(env: Environment): HttpTimeouts {
  const requestTimeoutMs = wholeMs(
    'LFK_HTTP_REQUEST_TIMEOUT_MS',
    env.LFK_HTTP_REQUEST_TIMEOUT_MS,
    DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs,
    3_600_000,
  );
  const headersTimeoutMs = wholeMs(
    'LFK_HTTP_HEADERS_TIMEOUT_MS',
    env.LFK_HTTP_HEADERS_TIMEOUT_MS,
    Math.min(DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs, requestTimeoutMs),
    600_000,
  );
  // Node refuses a header timeout longer than the request timeout.
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new UsageError(
      `LFK_HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not be longer than LFK_HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

/** Node's options for the timeouts: checked every second (Node's default is every 30 s), or more often for short ones. */
export function httpServerOptions(timeouts: HttpTimeouts) {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 4))),
  };
}

export async function startServer(
  settings: ServerSettings,
  logger: Logger = createLogger(settings.logLevel),
  timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS,
): Promise<RunningServer> {
  const store = await openStore(settings.databaseUrl, {
    poolSize: settings.poolSize,
    onPoolError: (error) => logger.warn('database connection lost', errorFields(error)),
  });
  const service = new KeyService(store, { allowPrivateUrls: settings.allowPrivateUrls });
  service.start((error) => logger.warn('background write failed; will retry', errorFields(error)));
  const stopFollowing = await service.followRevocations((error) =>
    logger.warn('revocation listener lost; reconnecting', errorFields(error)),
  );
  const web = createWebApp({ service, logger, publicUrl: settings.publicUrl, trustProxy: settings.trustProxy });
  const metrics = createApiMetrics(service);
  registerQueueMetrics(metrics.registry, store);
  registerBackfillMetrics(metrics.registry, store);
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
  });
  app.route('/', web.app);
  const webhooks = await startWebhooks(settings, { store, service, logger });
  app.route('/', webhooks.app);
  const setupToken = await web.issueSetupToken();

  const server: ServerType = await new Promise((resolve, reject) => {
    const listening = serve(
      { fetch: app.fetch, port: settings.port, hostname: settings.host, serverOptions: httpServerOptions(timeouts) },
      () => resolve(listening),
    );
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
