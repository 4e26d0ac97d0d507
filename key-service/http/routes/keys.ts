import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiApp, ApiDeps, ApiEnv } from '../env.js';
import { DEFAULT_LIMIT } from '../../service/paging.js';
import { MANAGER_SECURITY, jsonBody, jsonResponse } from '../openapi-parts.js';
import {
  CreateKeyBodySchema,
  CreatedKeySchema,
  IdParamSchema,
  KeyListQuerySchema,
  KeyListSchema,
  KeyObjectSchema,
  RevokeKeyBodySchema,
  RollKeyBodySchema,
  errorResponses,
} from '../schemas.js';

export function registerKeys(app: ApiApp, deps: ApiDeps, auth: MiddlewareHandler<ApiEnv>): void {
  const { service } = deps;

  const list = createRoute({
    method: 'get',
    path: '/v1/keys',
    summary: "The account's keys, newest first",
    security: MANAGER_SECURITY,
    middleware: [auth] as const,
    request: { query: KeyListQuerySchema },
    responses: { 200: jsonResponse(KeyListSchema, 'A page of keys'), ...errorResponses(400, 401, 403, 503) },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const page = await service.listKeys(c.get('principal').accountId, {
      ...query,
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    return c.json(page, 200);
  });

  const create = createRoute({
    method: 'post',
    path: '/v1/keys',
    summary: 'Create a key (Pro and Agency plans); the full key is in this response only',
    security: MANAGER_SECURITY,
    middleware: [auth] as const,
    request: { body: jsonBody(CreateKeyBodySchema) },
    responses: { 201: jsonResponse(CreatedKeySchema, 'Created'), ...errorResponses(400, 401, 403, 413, 503) },
  });
  app.openapi(create, async (c) => {
    const { accountId, context } = c.get('principal');
    return c.json(await service.createKey(accountId, c.req.valid('json'), context), 201);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/keys/{id}',
    summary: 'One key',
    security: MANAGER_SECURITY,
    middleware: [auth] as const,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(KeyObjectSchema, 'The key'), ...errorResponses(401, 403, 404, 503) },
  });
  app.openapi(get, async (c) =>
    c.json(await service.getKey(c.get('principal').accountId, c.req.valid('param').id), 200),
  );

  const revoke = createRoute({
    method: 'post',
    path: '/v1/keys/{id}/revoke',
    summary: 'Revoke a key, at once and for ever (idempotent)',
    security: MANAGER_SECURITY,
    middleware: [auth] as const,
    request: { params: IdParamSchema, body: jsonBody(RevokeKeyBodySchema, false) },
    responses: { 200: jsonResponse(KeyObjectSchema, 'The revoked key'), ...errorResponses(400, 401, 403, 404, 503) },
  });
  app.openapi(revoke, async (c) => {
    const { accountId, context } = c.get('principal');
    return c.json(await service.revokeKey(accountId, c.req.valid('param').id, c.req.valid('json').note, context), 200);
  });

  const roll = createRoute({
    method: 'post',
    path: '/v1/keys/{id}/roll',
    summary: 'Replace a key with a new one; the old one expires after the grace period',
    security: MANAGER_SECURITY,
    middleware: [auth] as const,
    request: { params: IdParamSchema, body: jsonBody(RollKeyBodySchema, false) },
    responses: { 201: jsonResponse(CreatedKeySchema, 'The new key'), ...errorResponses(400, 401, 403, 404, 409, 503) },
  });
  app.openapi(roll, async (c) => {
    const { accountId, context } = c.get('principal');
    return c.json(
      await service.rollKey(accountId, c.req.valid('param').id, c.req.valid('json').grace_period_hours, context),
      201,
    );
  });
}
