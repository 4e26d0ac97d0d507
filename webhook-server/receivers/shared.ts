// What the receivers share: the body read through the signature check (with a size limit
// and a budget), the error answer, the store step.
import type { Context } from 'hono';
import { errorResponse } from '../../platform/http/error-answer.js';
import { isJsonTooDeep, TOO_DEEP_MESSAGE } from '../../platform/limits/json-depth.js';
import type { Logger } from '../../platform/logger.js';
import type { Store } from '../../platform/database/database.js';
import { storeDelivery, type NewDelivery } from '../inbox.js';

export { errorResponse };

/**
 * An answer given before the body was read (or while it still comes): with `Connection: close`, so
 * Node closes the connection once the answer is out instead of reading on (the adapter would drain
 * up to 64 MiB for half a second) or keeping it for another request.
 */
export function refuse(
  c: Context,
  code: Parameters<typeof errorResponse>[1],
  message: string,
  headers: Record<string, string> = {},
): Response {
  return errorResponse(c, code, message, { ...headers, Connection: 'close' });
}

/** What a receiver reads for a delivery that can only be small (an event lfk ignores): 64 KiB. */
export const SMALL_BODY_BYTES = 64 * 1024;

/**
 * How many bytes of bodies whose signature is not checked yet one server holds at once, across
 * all receivers: two of GitHub's largest deliveries (25 MiB) and room for the small ones.
 */
export const DEFAULT_MAX_UNVERIFIED_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The bytes of unverified bodies held at once. A signature header of the right shape costs an
 * attacker nothing, so without this 100 uploads of 24 MB with `sha256=000…` would still be held
 * whole until each ends; with it, the upload whose next chunk does not fit is answered 503.
 * Counted as bytes arrive (not as declared), so declaring 25 MB and sending nothing holds nothing.
 */
export class BodyBudget {
  private held = 0;

  constructor(readonly maxBytes: number = DEFAULT_MAX_UNVERIFIED_BODY_BYTES) {}

  get heldBytes(): number {
    return this.held;
  }

  take(bytes: number): boolean {
    if (this.held + bytes > this.maxBytes) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

export interface ReceiverDeps {
  store: Store;
  logger: Logger;
  /** Called after a delivery is stored, so the worker starts on it at once. */
  onStored(): void;
  /** Shared by the receivers of one server; see BodyBudget. */
  bodies: BodyBudget;
}

/** A signature check fed the body as it arrives: `update` per chunk, then `verify` once at the end. */
export interface BodyCheck {
  update(chunk: Uint8Array): unknown;
  /** Called after the last chunk: null when the signature matches, else the refusal to send. */
  verify(): Response | null;
}

/**
 * The body, read chunk by chunk through `check` (a streaming HMAC or ECDSA verifier) and given
 * back only once `check.verify()` accepts it; otherwise the answer to send. Call it only after the
 * signature headers were found plausible, so an unsigned request is refused before any of its
 * body is read. The body is never held past `maxBytes` (Content-Length is checked first, then the
 * bytes as they come, so a chunked body without a length is cut off at the limit) nor past what
 * `budget` has left; nothing is copied until the signature matched.
 */
export async function readSignedBody(
  c: Context,
  maxBytes: number,
  budget: BodyBudget,
  check: BodyCheck,
): Promise<Buffer | Response> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return tooLarge(c, maxBytes);
  const stream = c.req.raw.body;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (stream) {
      const reader = stream.getReader();
      for (;;) {
        let read: Awaited<ReturnType<typeof reader.read>>;
        try {
          read = await reader.read();
        } catch {
          // The client went away or the server's request timeout cut it off: nobody hears this.
          return errorResponse(c, 'invalid_request', 'The request body was cut off before its end.');
        }
        if (read.done) break;
        const chunk = read.value;
        if (size + chunk.length > maxBytes) {
          await reader.cancel().catch(() => {});
          return tooLarge(c, maxBytes);
        }
        if (!budget.take(chunk.length)) {
          await reader.cancel().catch(() => {});
          return refuse(
            c,
            'service_unavailable',
            'Too many webhook bodies are being received at once; retry shortly.',
            { 'Retry-After': '30' },
          );
        }
        size += chunk.length;
        chunks.push(chunk);
        check.update(chunk);
      }
    }
    const refused = check.verify();
    if (refused) return refused;
    return Buffer.concat(chunks, size);
  } finally {
    budget.give(size);
  }
}

/** A signed body that must be a JSON object: its text (stored redacted) and its value, or the answer to send. */
export async function readSignedObject(
  c: Context,
  maxBytes: number,
  budget: BodyBudget,
  check: BodyCheck,
): Promise<{ text: string; value: Record<string, unknown> } | Response> {
  const body = await readSignedBody(c, maxBytes, budget, check);
  if (body instanceof Response) return body;
  const text = body.toString('utf8');
  const parsed = parseJson(text);
  if (!parsed.ok) return errorResponse(c, 'invalid_json', parsed.message);
  if (!isObject(parsed.value)) return errorResponse(c, 'invalid_request', 'The body must be a JSON object.');
  return { text, value: parsed.value };
}

/** Given before (or instead of) reading the rest of the body, so the connection is closed after it. */
export function tooLarge(c: Context, maxBytes: number): Response {
  return refuse(c, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}

export function notConfigured(c: Context, names: string[]): Response {
  return refuse(c, 'not_configured', `This receiver is not configured: set ${names.join(' and ')}.`);
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

/** Stores the delivery (before any 2xx) and wakes the worker unless it was there already. */
export async function storeAndWake(
  deps: ReceiverDeps,
  delivery: NewDelivery,
): Promise<{ id: string; duplicate: boolean }> {
  const stored = await storeDelivery(deps.store, delivery);
  if (!stored.duplicate) deps.onStored();
  deps.logger.info('webhook delivery accepted', {
    provider: delivery.provider,
    event: delivery.event,
    delivery: stored.id,
    duplicate: stored.duplicate,
  });
  return stored;
}

/** Stores the delivery and answers 202 with its id. */
export async function accept(c: Context, deps: ReceiverDeps, delivery: NewDelivery): Promise<Response> {
  const stored = await storeAndWake(deps, delivery);
  return c.json({ status: stored.duplicate ? 'duplicate' : 'queued', delivery: stored.id }, 202);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
