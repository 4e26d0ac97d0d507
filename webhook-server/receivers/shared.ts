// What the three receivers share: the raw body (with a size limit), the error answer, the store step.
import type { Context } from 'hono';
import { errorResponse } from '../../key-service/http/errors.js';
import { isJsonTooDeep, TOO_DEEP_MESSAGE } from '../../key-service/limits/json-depth.js';
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

/**
 * The raw body, or null when it is larger than `maxBytes`: checked on Content-Length first, then
 * while reading, so a chunked body without a length is cut off at the limit, not buffered whole.
 */
export async function readRawBody(c: Context, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return null;
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

export function tooLarge(c: Context, maxBytes: number): Response {
  return errorResponse(c, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}

export function notConfigured(c: Context, names: string[]): Response {
  return errorResponse(c, 'not_configured', `This receiver is not configured: set ${names.join(' and ')}.`);
}

/** The body parsed, or why not; JSON nested too deep is refused before JSON.parse builds it. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (isJsonTooDeep(text)) return { ok: false, message: TOO_DEEP_MESSAGE };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'The request body is not valid JSON.' };
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
