// The API's table of contents: every route and the middleware in front of it, in one place.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { refuseDeepJson } from '../limits/json-body.js';
import { authenticate, type AuthLimits, type SessionResolver } from './auth.js';
import { KeyRateLimiter } from './key-rate-limit.js';
import { RateLimiter } from './rate-limit.js';
import type { ApiDeps, ApiEnv } from './env.js';
import { errorResponse, handleError, redactKeys, validationHook } from './errors.js';
import { registerAccount } from './routes/account.js';
import { registerExposures } from './routes/exposures.js';
import { registerHealth } from './routes/health.js';
import { registerJobs } from './routes/jobs.js';
import { registerKeys } from './routes/keys.js';
import { registerUsage, usageFastPath } from './routes/usage.js';
import { registerMetrics } from './routes/metrics.js';
import { createApiMetrics, observeRequest, type ApiMetrics } from './metrics.js';
import { stampResponse } from './response-headers.js';
import { LFK_API_VERSION } from './version.js';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export function createApiApp(deps: ApiDeps & { sessions?: SessionResolver; metrics?: ApiMetrics }): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const metrics = deps.metrics ?? createApiMetrics(deps.service);

  const maxSize = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limitBody = bodyLimit({ maxSize, onError: (c) => errorResponse(c, 'payload_too_large', `The request body is larger than ${maxSize} bytes.`) });

  // One middleware in front of everything (each extra async layer costs on the hot path): the
  // request id, the headers every /v1 answer carries, the body limit, and the request's latency.
  app.use('*', async (c, next) => {
    const started = performance.now();
    stampResponse(c);
    const api = c.req.path.startsWith('/v1/');
    let early: Response | void = undefined;
    try {
      // Only requests that may carry a body pay for the checks (size, then JSON depth): reading `body` makes the Node
      // adapter build a full Request object, which would cost every GET.
      if (api && c.req.method !== 'GET' && c.req.method !== 'HEAD') early = await limitBody(c, () => refuseDeepJson(c).then(next));
      else await next();
      return early;
    } finally {
      observeRequest(metrics, c, started, early?.status);
    }
  });

  const limits: AuthLimits = {
    perKey: new KeyRateLimiter(deps.keyRateLimit),
    failuresPerAddress: new RateLimiter(deps.authFailureLimit ?? 60, 60_000, 'failed authentications'),
  };
  const enrichment = authenticate(deps, { scope: 'enrichment', failures: metrics.authFailures, limits });
  const manager = authenticate(deps, { scope: 'keys:manage', allowSession: deps.sessions, failures: metrics.authFailures, limits });

  registerHealth(app, deps);
  registerMetrics(app, deps, metrics);
  registerUsage(app, deps, enrichment);
  registerJobs(app, deps, enrichment);
  // /v1/keys/verify is registered before /v1/keys/{id} so that it is never read as a key id.
  registerExposures(app, deps);
  registerKeys(app, deps, manager);
  registerAccount(app, deps, manager);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer lfk_sk_…' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyHeader', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', { type: 'apiKey', in: 'cookie', name: 'lfk_session' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'lfk key service', version: LFK_API_VERSION, description: 'Trust Leads API keys: create, list, roll, revoke, report leaks.' },
  });

  // The hot path, ahead of routing: GET /v1/usage with a key this instance verified recently.
  // Everything else, errors included, goes through the routes above.
  const routed = app.fetch;
  const fastUsage = usageFastPath(deps, metrics, limits.perKey);
  app.fetch = (request, env, executionContext) => fastUsage(request, env) ?? routed(request, env, executionContext);

  app.notFound((c) => errorResponse(c, 'not_found', `No route for ${c.req.method} ${redactKeys(c.req.path)}.`));
  app.onError(handleError(deps.logger));
  return app;
}
