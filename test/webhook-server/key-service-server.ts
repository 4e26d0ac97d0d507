// The key service's HTTP app on a loopback port, for a webhook server that reaches it over HTTP
// (httpReporter), with the requests it answered.
import { serve } from '@hono/node-server';
import { createServer } from 'node:net';
import { expect, onTestFinished } from 'vitest';
import { httpReporter } from '../../key-service/exposure-reporter.js';
import { createApiApp } from '../../key-service/http/app.js';
import { createLogger } from '../../platform/logger.js';
import type { KeyService } from '../../key-service/service/key-service.js';
import type { Dialect } from '../../platform/database/database.js';
import type { Harness } from '../support/harness.js';
import { keyRow } from '../support/http.js';
import type { WebhookSettings } from '../../webhook-server/webhook-server.js';
import { createWebhookHarness, type WebhookHarness } from './support.js';

export const SERVICE_TOKEN = 'svc_webhooks_0123456789abcdefghij';

export interface KeyServiceServer {
  requests: Array<{ method: string; path: string; body: any }>;
  close(): Promise<void>;
}

/** A port that was just free (a reporter can be pointed at it before anything listens there). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export function listenKeyService(service: KeyService, port: number): Promise<KeyServiceServer> {
  const app = createApiApp({ service, logger: createLogger('silent'), serviceToken: SERVICE_TOKEN });
  const requests: KeyServiceServer['requests'] = [];
  const recording = async (request: Request) => {
    const text = await request.clone().text();
    requests.push({
      method: request.method,
      path: new URL(request.url).pathname,
      body: text ? JSON.parse(text) : undefined,
    });
    return app.fetch(request);
  };
  return new Promise((resolve) => {
    const server = serve({ fetch: recording, port, hostname: '127.0.0.1' }, () =>
      resolve({ requests, close: () => new Promise((closed) => server.close(() => closed())) }),
    );
  });
}

/**
 * A webhook server apart from `h`'s key service, reaching it over HTTP (2 s timeout) at a port
 * where nothing listens until `keyServiceUp()`: the key service is down until then. Both are
 * closed when the test ends.
 */
export async function webhooksApart(
  dialect: Dialect,
  h: Harness,
  settings: Partial<WebhookSettings>,
): Promise<{ remote: WebhookHarness; keyServiceUp: () => Promise<void> }> {
  const port = await freePort();
  const remote = await createWebhookHarness(dialect, {
    reporter: () => httpReporter(`http://127.0.0.1:${port}`, SERVICE_TOKEN, { timeoutMs: 2000 }),
    settings,
  });
  onTestFinished(() => remote.close());
  return {
    remote,
    keyServiceUp: async () => {
      const server = await listenKeyService(h.service, port);
      onTestFinished(() => server.close());
    },
  };
}

/** While the key service is down: the delivery waits, pending (with `fields`), and the key stays live. */
export async function expectWaitingForKeyService(
  remote: WebhookHarness,
  h: Harness,
  keyId: string,
  fields: Record<string, unknown> = {},
): Promise<void> {
  expect((await remote.deliveries())[0]).toMatchObject({
    status: 'pending',
    ...fields,
    last_error: expect.stringContaining('UnavailableError'),
  });
  expect((await keyRow(h, keyId)).revoked_at).toBeNull();
}
