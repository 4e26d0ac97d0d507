// Small builders for route definitions, so each route file reads as its contract.
import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './env.js';
import { errorResponses } from './schemas.js';

export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { 'application/json': { schema } }, required };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

type SecurityRequirement = Record<string, string[]>;

export const KEY_SECURITY: SecurityRequirement[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
export const MANAGER_SECURITY: SecurityRequirement[] = [
  { bearerAuth: [] },
  { apiKeyHeader: [] },
  { sessionCookie: [] },
];

/** Who may call a group of /v1 routes: the schemes the document lists and the middleware that checks them. */
export interface RouteAccess {
  security: SecurityRequirement[];
  auth: MiddlewareHandler<ApiEnv>;
}

/**
 * A /v1 route behind authentication: its security, its authentication middleware, and the
 * 401, 403 and 503 that every such route can answer; `route.responses` holds the rest.
 */
export function protectedRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'security' | 'middleware'>>(
  access: RouteAccess,
  route: R & { path: P },
) {
  // Spread from a generic, the responses widen to any response config; named, handlers keep their types.
  const responses = { ...route.responses, ...errorResponses(401, 403, 503) } as R['responses'] &
    ReturnType<typeof errorResponses>;
  return createRoute({ ...route, security: access.security, middleware: [access.auth] as const, responses });
}
