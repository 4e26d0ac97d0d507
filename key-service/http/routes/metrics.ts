import type { ApiApp, ApiDeps } from '../env.js';
import type { ApiMetrics } from '../metrics.js';
import { errorResponse } from '../../../platform/http/error-answer.js';
import { secretsEqual } from '../../../platform/constant-time.js';
import { readCredentials } from '../credentials.js';
import type { IncomingMessage } from 'node:http';
import { requestHeader } from '../../../platform/http/request-headers.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The host names a tokenless `/metrics` request may be addressed to: the loopback names, and the
 * host of LFK_PUBLIC_URL. Any other name reaching a loopback socket is a browser whose page's name
 * was rebound to 127.0.0.1 (DNS rebinding): that page is same-origin with us and could read the answer.
 */
function expectedHostnames(publicUrl: string | undefined): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (publicUrl) {
    try {
      names.add(new URL(publicUrl).hostname);
    } catch {
      // Not a URL: only the loopback names.
    }
  }
  return names;
}

/** The host name, lower-cased and without the port, of a `Host` value; undefined when it is not `host[:port]`. */
function hostnameOf(host: string): string | undefined {
  if (!/^[^\s/?#@\\]+$/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * `GET /metrics`: loopback clients only, or anyone with `Authorization: Bearer LFK_METRICS_TOKEN`.
 * Without a token the request must also be addressed (`Host`) to an expected name, against DNS
 * rebinding; with one it needs no such check (a rebinding page cannot know the token), so a scraper
 * may use any name.
 */
export function registerMetrics(app: ApiApp, deps: ApiDeps, metrics: ApiMetrics): void {
  const expected = expectedHostnames(deps.publicUrl);
  const refusedHost =
    'Metrics answer requests sent with Host: localhost, 127.0.0.1, [::1] or the host of LFK_PUBLIC_URL, unless LFK_METRICS_TOKEN is set.';
  app.get('/metrics', async (c) => {
    if (deps.metricsToken) {
      const credentials = readCredentials(requestHeader(c, 'authorization'), undefined);
      if (credentials.kind !== 'token' || !secretsEqual(credentials.token, deps.metricsToken)) {
        return errorResponse(c, 'unauthenticated', 'Send "Authorization: Bearer <LFK_METRICS_TOKEN>" to read metrics.');
      }
    } else {
      // The socket's own address: a forwarded header must not open this to the world.
      const address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
      if (!address || !LOOPBACK.has(address)) {
        return errorResponse(c, 'forbidden', 'Metrics answer loopback clients only unless LFK_METRICS_TOKEN is set.');
      }
      // The Node adapter builds the URL from the Host header (or HTTP/2's :authority); both are checked.
      const header = requestHeader(c, 'host');
      const names = [new URL(c.req.url).hostname, ...(header === undefined ? [] : [hostnameOf(header)])];
      if (!names.every((name) => name !== undefined && expected.has(name)))
        return errorResponse(c, 'forbidden', refusedHost);
    }
    return c.text(await metrics.registry.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
}
