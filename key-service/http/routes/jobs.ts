import type { ApiApp, ApiDeps } from '../env.js';
import { type RouteAccess, protectedRoute, jsonBody, jsonResponse } from '../openapi-parts.js';
import { CreateJobBodySchema, IdParamSchema, JobSchema, errorResponses } from '../schemas.js';

export function registerJobs(app: ApiApp, deps: ApiDeps, access: RouteAccess): void {
  const create = protectedRoute(access, {
    method: 'post',
    path: '/v1/jobs',
    summary: 'Queue an enrichment job',
    request: { body: jsonBody(CreateJobBodySchema) },
    responses: { 202: jsonResponse(JobSchema, 'Queued'), ...errorResponses(400, 413) },
  });
  app.openapi(create, async (c) => {
    const { key } = c.get('principal');
    return c.json(await deps.service.createJob(key!, c.req.valid('json').file_url), 202);
  });

  const get = protectedRoute(access, {
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: 'One job of the calling account',
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(JobSchema, 'The job'), ...errorResponses(404) },
  });
  app.openapi(get, async (c) => {
    const { accountId } = c.get('principal');
    return c.json(await deps.service.getJob(accountId, c.req.valid('param').id), 200);
  });
}
