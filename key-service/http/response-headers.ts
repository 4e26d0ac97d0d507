// Headers every response carries. On the Node server they go straight onto the outgoing message,
// which Node merges into the head it writes; setting them through Hono instead would make it build
// a Headers object for every response, a fifth of the hot path's cost (bench/auth.ts).
import type { Context } from 'hono';
import type { ServerResponse } from 'node:http';

export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}
