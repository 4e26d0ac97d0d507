import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';

/**
 * The caller's address: the socket's, or behind a trusted proxy the last `X-Forwarded-For` hop,
 * the one that proxy appended. Earlier hops are whatever the client wrote: trusting the first one
 * would let anyone pick the address each limit counts.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  return addressOf(c.env, c.req.raw, trustProxy);
}

/** The same from the request and the adapter's environment, before any routing. */
export function addressOf(env: unknown, request: Request, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers.get('x-forwarded-for');
    const forwarded = header?.slice(header.lastIndexOf(',') + 1).trim();
    if (forwarded) return forwarded;
  }
  // @hono/node-server puts the Node request on `env.incoming`; in-process requests have none.
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket.remoteAddress ?? 'unknown';
}
