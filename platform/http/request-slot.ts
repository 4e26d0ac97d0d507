// The request's own record, kept on the adapter's environment object (one per request): its id and
// the route it matched. key-service/http/pipeline.ts writes it; errors and the metric read it.
import type { Context } from 'hono';

/** Per request, on the adapter's environment object: what the wrapper and the routes share. */
export const SLOT = Symbol('lfk.request');

export interface RequestSlot {
  requestId: string;
  /** The matched route's path, for the latency metric; set by the route (or the error handler). */
  route?: string;
}

/** The request's id: the caller's `X-Request-Id` when usable, else the one lfk gave it. */
export function requestIdOf(c: Context): string {
  return (
    (c.env as { [SLOT]?: RequestSlot } | undefined)?.[SLOT]?.requestId ??
    (c.get('requestId') as string | undefined) ??
    ''
  );
}

/** Names the route in the latency metric (the wrapper cannot see which route matched). */
export function markRoute(c: Context): void {
  const slot = (c.env as { [SLOT]?: RequestSlot } | undefined)?.[SLOT];
  if (slot) slot.route = c.req.routePath;
}
