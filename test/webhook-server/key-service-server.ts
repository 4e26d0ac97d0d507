// The key service's HTTP app on a loopback port, for a webhook server that reaches it over HTTP
// (httpReporter), with the requests it answered.
import { serve } from '@hono/node-server';
import { createServer } from 'node:net';
import { createApiApp } from '../../key-service/http/app.js';
import { createLogger } from '../../platform/logger.js';
import type { KeyService } from '../../key-service/service/key-service.js';

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
