// A request header without building a WHATWG Headers object. On the Node server the first
// `c.req.header()` makes @hono/node-server copy every raw header into a `Headers` (one of the
// larger costs of a small request); Node's own parsed `incoming.headers` already holds them.
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';

/** The value of header `name` (lower-case), repeated values joined with ", " as `Headers` does. */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming?.headers) return c.req.header(name);
  // Node keeps only the first of some repeated headers (Authorization among them); Headers joins
  // them all, so two keys in two Authorization headers must not quietly become the first one.
  if (DISCARDED_REPEATS.has(name)) return joinedRaw(incoming.rawHeaders, name) ?? undefined;
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

// The headers of Node's `matchKnownFields` whose repeats it drops, of those lfk reads.
const DISCARDED_REPEATS = new Set(['authorization', 'user-agent']);

function joinedRaw(raw: readonly string[], name: string): string | null {
  let joined: string | null = null;
  for (let index = 0; index < raw.length; index += 2) {
    const field = raw[index]!;
    if (field.length !== name.length || field.toLowerCase() !== name) continue;
    joined = joined === null ? raw[index + 1]! : `${joined}, ${raw[index + 1]}`;
  }
  return joined;
}
