import type { ApiApp, ApiDeps } from '../env.js';
import type { ApiMetrics } from '../metrics.js';
import { errorResponse } from '../errors.js';
import { secretsEqual } from '../constant-time.js';
import { readCredentials } from '../credentials.js';
import type { IncomingMessage } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** `GET /metrics`: loopback clients only, or anyone with `Authorization: Bearer LFK_METRICS_TOKEN`. */
export function registerMetrics(app: ApiApp, deps: ApiDeps, metrics: ApiMetrics): void {
  app.get('/metrics', async (c) => {
    if (deps.metricsToken) {
      const credentials = readCredentials(c.req.header('authorization'), undefined);
      if (credentials.kind !== 'token' || !secretsEqual(credentials.token, deps.metricsToken)) {
        return errorResponse(c, 'unauthenticated', 'Send "Authorization: Bearer <LFK_METRICS_TOKEN>" to read metrics.');
      }
    } else {
      // The socket's own address: a forwarded header must not open this to the world.
      const address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
      if (!address || !LOOPBACK.has(address)) {
        return errorResponse(c, 'forbidden', 'Metrics answer loopback clients only unless LFK_METRICS_TOKEN is set.');
      }
    }
    return c.text(await metrics.registry.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
}
