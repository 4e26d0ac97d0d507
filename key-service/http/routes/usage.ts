import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { UsageReport } from '../../service/key-service.js';
import { addressOf } from '../client-address.js';
import { readCredentials } from '../credentials.js';
import type { ApiApp, ApiDeps, ApiEnv } from '../env.js';
import type { KeyRateLimiter } from '../key-rate-limit.js';
import type { ApiMetrics } from '../metrics.js';
import { KEY_SECURITY, jsonResponse } from '../openapi-parts.js';
import { UsageSchema, errorResponses } from '../schemas.js';

export function registerUsage(app: ApiApp, deps: ApiDeps, auth: MiddlewareHandler<ApiEnv>): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/usage',
    summary: 'Usage of the calling key and its account this month',
    security: KEY_SECURITY,
    middleware: [auth] as const,
    responses: { 200: jsonResponse(UsageSchema, 'Usage this month'), ...errorResponses(400, 401, 403, 503) },
  });
  app.openapi(route, (c) => {
    const { key } = c.get('principal');
    // Synchronous when this instance's totals are fresh: the hot path pays for no promise.
    const cached = deps.service.usageOfCached(key!);
    if (cached) return c.json(cached, 200);
    return deps.service.usageOf(key!).then((usage) => c.json(usage, 200));
  });
}

/**
 * `GET /v1/usage` for a key already in this instance's cache, answered before Hono routes the
 * request: the same body, request id, headers and metrics as the route above, without the generic
 * middleware chain (bench/auth.ts shows why). Anything else — no key, two headers, a key not
 * cached or refused, a missing scope, a key over its rate limit, a caller's own request id — returns undefined and goes
 * through the route, which gives the exact answers and errors.
 */
export function usageFastPath(deps: ApiDeps, metrics: ApiMetrics, perKey: KeyRateLimiter): (request: Request, env: unknown) => Response | Promise<Response> | undefined {
  const trustProxy = deps.trustProxy ?? false;
  const labels = { method: 'GET', route: '/v1/usage', status: '200' };
  const answer = (started: number, usage: UsageReport) => {
    const response = new Response(JSON.stringify(usage), {
      status: 200,
      headers: {
        'content-type': 'application/json',
        'x-request-id': randomUUID(),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
    metrics.requests.observe(labels, (performance.now() - started) / 1000, 'GET /v1/usage 200');
    return response;
  };
  return (request, env) => {
    const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
    let authorization: string | undefined;
    let apiKey: string | undefined;
    if (incoming) {
      // Served by @hono/node-server: Node's own parsed headers, without a Headers lookup each.
      const target = incoming.url ?? '';
      if (incoming.method !== 'GET' || !(target === '/v1/usage' || target.startsWith('/v1/usage?'))) return undefined;
      const parsed = incoming.headers;
      // Node keeps only the first of repeated Authorization headers, where the route sees them joined.
      if (parsed['x-request-id'] !== undefined || repeatsAuthorization(incoming.rawHeaders)) return undefined;
      authorization = parsed.authorization;
      apiKey = parsed['x-api-key'] as string | undefined;
    } else {
      if (request.method !== 'GET' || !isUsagePath(request.url)) return undefined;
      const headers = request.headers;
      if (headers.get('x-request-id') !== null) return undefined;
      authorization = headers.get('authorization') ?? undefined;
      apiKey = headers.get('x-api-key') ?? undefined;
    }
    const started = performance.now();
    const credentials = readCredentials(authorization, apiKey);
    if (credentials.kind !== 'token') return undefined;
    // One clock reading for the whole answer: a Date costs on this path.
    const now = deps.service.now();
    const key = deps.service.authenticateFromCache(credentials.token, now);
    // Over its limit, the route answers the 429 (and counts the refusal).
    if (!key || !key.scopes.includes('enrichment') || !perKey.take(key.id, now.getTime())) return undefined;
    deps.service.recordUse(key, addressOf(env, request, trustProxy), now);
    const cached = deps.service.usageOfCached(key, now);
    if (cached) return answer(started, cached);
    return deps.service.usageOf(key).then((usage) => answer(started, usage));
  };
}

function repeatsAuthorization(rawHeaders: string[]): boolean {
  let seen = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) return true;
  }
  return false;
}

/** `…/v1/usage` or `…/v1/usage?…` of an absolute request URL. */
function isUsagePath(url: string): boolean {
  const query = url.indexOf('?');
  const end = query === -1 ? url.length : query;
  return url.startsWith('/v1/usage', end - 9) && url.indexOf('/', url.indexOf('//') + 2) === end - 9;
}
