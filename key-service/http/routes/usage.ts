import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiApp, ApiDeps, ApiEnv } from '../env.js';
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
