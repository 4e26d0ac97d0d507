// The depth guard in front of the /v1 routes that take a body: read once (Hono caches the text,
// so the route's own JSON parsing does not read it again) and refused before anything parses it.
import type { Context } from 'hono';
import { ApiError } from '../errors.js';
import { isJsonTooDeep, TOO_DEEP_MESSAGE } from './json-depth.js';

export async function refuseDeepJson(c: Context): Promise<void> {
  if (!c.req.raw.body) return;
  if (isJsonTooDeep(await c.req.text())) throw new ApiError('invalid_json', TOO_DEEP_MESSAGE);
}
