import type { ApiApp, ApiDeps } from '../env.js';
import { DEFAULT_LIMIT } from '../../service/paging.js';
import { type RouteAccess, protectedRoute, jsonBody, jsonResponse } from '../openapi-parts.js';
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

export function registerKeys(app: ApiApp, deps: ApiDeps, access: RouteAccess): void {
  const { service } = deps;

  const list = protectedRoute(access, {
    method: 'get',
    path: '/v1/keys',
    summary: "The account's keys, newest first",
    request: { query: KeyListQuerySchema },
    responses: { 200: jsonResponse(KeyListSchema, 'A page of keys'), ...errorResponses(400) },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const page = await service.listKeys(c.get('principal').accountId, {
      ...query,
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    return c.json(page, 200);
  });

  const create = protectedRoute(access, {
    method: 'post',
    path: '/v1/keys',
    summary: 'Create a key (Pro and Agency plans); the full key is in this response only',
    request: { body: jsonBody(CreateKeyBodySchema) },
    responses: { 201: jsonResponse(CreatedKeySchema, 'Created'), ...errorResponses(400, 413) },
  });
  app.openapi(create, async (c) => {
    const { accountId, context } = c.get('principal');
    return c.json(await service.createKey(accountId, c.req.valid('json'), context), 201);
  });

  const get = protectedRoute(access, {
    method: 'get',
    path: '/v1/keys/{id}',
    summary: 'One key',
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(KeyObjectSchema, 'The key'), ...errorResponses(404) },
  });
  app.openapi(get, async (c) =>
    c.json(await service.getKey(c.get('principal').accountId, c.req.valid('param').id), 200),
  );

  const revoke = protectedRoute(access, {
    method: 'post',
    path: '/v1/keys/{id}/revoke',
    summary: 'Revoke a key, at once and for ever (idempotent)',
    request: { params: IdParamSchema, body: jsonBody(RevokeKeyBodySchema, false) },
    responses: { 200: jsonResponse(KeyObjectSchema, 'The revoked key'), ...errorResponses(400, 404) },
  });
  app.openapi(revoke, async (c) => {
    const { accountId, context } = c.get('principal');
    return c.json(await service.revokeKey(accountId, c.req.valid('param').id, c.req.valid('json').note, context), 200);
  });

  const roll = protectedRoute(access, {
    method: 'post',
    path: '/v1/keys/{id}/roll',
    summary: 'Replace a key with a new one; the old one expires after the grace period',
    request: { params: IdParamSchema, body: jsonBody(RollKeyBodySchema, false) },
    responses: { 201: jsonResponse(CreatedKeySchema, 'The new key'), ...errorResponses(400, 404, 409) },
  });
  app.openapi(roll, async (c) => {
    const { accountId, context } = c.get('principal');
    return c.json(
      await service.rollKey(accountId, c.req.valid('param').id, c.req.valid('json').grace_period_hours, context),
      201,
    );
  });
}
