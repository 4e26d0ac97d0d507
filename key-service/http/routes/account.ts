import type { ApiApp, ApiDeps } from '../env.js';
import { DEFAULT_LIMIT } from '../../service/paging.js';
import { type RouteAccess, protectedRoute, jsonBody, jsonResponse } from '../openapi-parts.js';
import {
  AccountSchema,
  AuditListSchema,
  PageQuerySchema,
  UpdateAccountBodySchema,
  errorResponses,
} from '../schemas.js';

export function registerAccount(app: ApiApp, deps: ApiDeps, access: RouteAccess): void {
  const { service } = deps;

  const get = protectedRoute(access, {
    method: 'get',
    path: '/v1/account',
    summary: 'The calling account',
    responses: { 200: jsonResponse(AccountSchema, 'The account') },
  });
  app.openapi(get, async (c) => c.json(await service.getAccount(c.get('principal').accountId), 200));

  const update = protectedRoute(access, {
    method: 'patch',
    path: '/v1/account',
    summary: 'Change the rotation period or the notification URL',
    request: { body: jsonBody(UpdateAccountBodySchema) },
    responses: { 200: jsonResponse(AccountSchema, 'The account'), ...errorResponses(400, 413) },
  });
  app.openapi(update, async (c) => {
    const { accountId, context } = c.get('principal');
    // A notification URL inside the network is refused by the service (400 invalid_request, its message).
    return c.json(await service.updateAccount(accountId, c.req.valid('json'), context), 200);
  });

  const audit = protectedRoute(access, {
    method: 'get',
    path: '/v1/audit-log',
    summary: "The account's audit events, newest first",
    request: { query: PageQuerySchema },
    responses: { 200: jsonResponse(AuditListSchema, 'A page of events'), ...errorResponses(400) },
  });
  app.openapi(audit, async (c) => {
    const query = c.req.valid('query');
    return c.json(
      await service.listAuditEvents(c.get('principal').accountId, {
        limit: query.limit ?? DEFAULT_LIMIT,
        cursor: query.cursor,
      }),
      200,
    );
  });
}
