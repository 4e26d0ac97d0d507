import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiApp, ApiDeps, ApiEnv } from '../env.js';
import { KEY_SECURITY, jsonBody, jsonResponse } from '../openapi-parts.js';
import { CreateJobBodySchema, IdParamSchema, JobSchema, errorResponses } from '../schemas.js';

export function registerJobs(app: ApiApp, deps: ApiDeps, auth: MiddlewareHandler<ApiEnv>): void {
  const create = createRoute({
    method: 'post',
    path: '/v1/jobs',
    summary: 'Queue an enrichment job',
    security: KEY_SECURITY,
    middleware: [auth] as const,
    request: { body: jsonBody(CreateJobBodySchema) },
    responses: { 202: jsonResponse(JobSchema, 'Queued'), ...errorResponses(400, 401, 403, 413, 503) },
  });
  app.openapi(create, async (c) => {
    const { key } = c.get('principal');
    return c.json(await deps.service.createJob(key!, c.req.valid('json').file_url), 202);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: 'One job of the calling account',
    security: KEY_SECURITY,
    middleware: [auth] as const,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(JobSchema, 'The job'), ...errorResponses(401, 403, 404, 503) },
  });
  app.openapi(get, async (c) => {
    const { accountId } = c.get('principal');
    return c.json(await deps.service.getJob(accountId, c.req.valid('param').id), 200);
  });
}
