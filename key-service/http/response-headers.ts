// Headers every response carries. On the Node server they go straight onto the outgoing message,
// which Node merges into the head it writes; setting them through Hono instead would make it build
// a Headers object for every response, a fifth of the hot path's cost (bench/auth.ts).
import type { Context } from 'hono';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { usableRequestId } from './errors.js';

export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/** The request id (the caller's when usable, else a new one) and the headers of every answer. */
export function stampResponse(c: Context): void {
  const sent = c.req.header('x-request-id');
  const id = usableRequestId(sent) ? sent : randomUUID();
  c.set('requestId', id);
  setResponseHeader(c, 'X-Request-Id', id);
  if (c.req.path.startsWith('/v1/')) {
    // Key material passes through these responses: nothing may cache them.
    setResponseHeader(c, 'Cache-Control', 'no-store');
    setResponseHeader(c, 'X-Content-Type-Options', 'nosniff');
  }
}
