import type { ApiApp, ApiDeps } from '../env.js';
import { type RouteAccess, protectedRoute, jsonResponse } from '../openapi-parts.js';
import { UsageSchema, errorResponses } from '../schemas.js';

export function registerUsage(app: ApiApp, deps: ApiDeps, access: RouteAccess): void {
  const route = protectedRoute(access, {
    method: 'get',
    path: '/v1/usage',
    summary: 'Usage of the calling key and its account this month',
    responses: { 200: jsonResponse(UsageSchema, 'Usage this month'), ...errorResponses(400) },
  });
  app.openapi(route, (c) => {
    const { key } = c.get('principal');
    // Synchronous when this instance's totals are fresh: the hot path pays for no promise.
    const cached = deps.service.usageOfCached(key!);
    if (cached) return c.json(cached, 200);
    return deps.service.usageOf(key!).then((usage) => c.json(usage, 200));
  });
}
