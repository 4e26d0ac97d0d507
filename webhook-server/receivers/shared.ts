// What the three receivers share: the raw body (with a size limit), the error answer, the store step.
import type { Context } from 'hono';
import { errorResponse } from '../../key-service/http/errors.js';
import type { Logger } from '../../key-service/logger.js';
import type { Store } from '../../key-service/store/database.js';
import { storeDelivery, type NewDelivery } from '../inbox.js';

export { errorResponse };

export interface ReceiverDeps {
  store: Store;
  logger: Logger;
  /** Called after a delivery is stored, so the worker starts on it at once. */
  onStored(): void;
}

/** The raw body, or null when it is larger than `maxBytes` (checked on Content-Length first). */
export async function readRawBody(c: Context, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return null;
  const body = Buffer.from(await c.req.arrayBuffer());
  return body.length > maxBytes ? null : body;
}

export function tooLarge(c: Context, maxBytes: number): Response {
  return errorResponse(c, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}

export function notConfigured(c: Context, names: string[]): Response {
  return errorResponse(c, 'not_configured', `This receiver is not configured: set ${names.join(' and ')}.`);
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Stores the delivery (before any 2xx) and wakes the worker; answers 202 with its id. */
export async function accept(c: Context, deps: ReceiverDeps, delivery: NewDelivery): Promise<Response> {
  const stored = await storeDelivery(deps.store, delivery);
  if (!stored.duplicate) deps.onStored();
  deps.logger.info('webhook delivery accepted', { provider: delivery.provider, event: delivery.event, delivery: stored.id, duplicate: stored.duplicate });
  return c.json({ status: stored.duplicate ? 'duplicate' : 'queued', delivery: stored.id }, 202);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
