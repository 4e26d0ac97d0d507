// The API's table of contents: every route and the middleware in front of it, in one place.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { refuseDeepJson } from '../../platform/limits/json-body.js';
import type { MiddlewareHandler } from 'hono';
import { authenticate, type AuthLimits, type AuthOptions, type SessionResolver } from './auth.js';
import { KeyRateLimiter } from './key-rate-limit.js';
import { KEY_SECURITY, MANAGER_SECURITY, type RouteAccess } from './openapi-parts.js';
import { RateLimiter } from '../../platform/http/rate-limit.js';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../../platform/defaults.js';
import type { ApiDeps, ApiEnv } from './env.js';
import { errorResponse, handleError, redactKeys, validationHook } from '../../platform/http/error-answer.js';
import { registerAccount } from './routes/account.js';
import { registerExposures } from './routes/exposures.js';
import { registerHealth } from './routes/health.js';
import { registerJobs } from './routes/jobs.js';
import { registerKeys } from './routes/keys.js';
import { registerUsage } from './routes/usage.js';
import { registerMetrics } from './routes/metrics.js';
import { createApiMetrics, type ApiMetrics } from './metrics.js';
import { composeRoutes, serveWithStamp } from './pipeline.js';
import { markRoute } from '../../platform/http/request-slot.js';
import { LFK_API_VERSION } from './version.js';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export interface ApiAppOptions extends ApiDeps {
  sessions?: SessionResolver;
  metrics?: ApiMetrics;
  /** Replaces API-key authentication (bench/auth.ts measures the app without it); default `authenticate`. */
  authenticate?: (options: AuthOptions) => MiddlewareHandler<ApiEnv>;
}

export function createApiApp(deps: ApiAppOptions): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const metrics = deps.metrics ?? createApiMetrics(deps.service);

  const maxSize = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limitBody = bodyLimit({
    maxSize,
    onError: (c) => errorResponse(c, 'payload_too_large', `The request body is larger than ${maxSize} bytes.`),
  });
  // In front of the validators of every route that takes a body: the size, then the JSON depth.
  const guardBody: MiddlewareHandler<ApiEnv> = (c, next) => limitBody(c, () => refuseDeepJson(c).then(next));
  composeRoutes(app, guardBody);

  const limits: AuthLimits = {
    perKey: new KeyRateLimiter(deps.keyRateLimit),
    failuresPerAddress: new RateLimiter(
      deps.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT,
      60_000,
      'failed authentications',
    ),
  };
  const auth = deps.authenticate ?? ((options: AuthOptions) => authenticate(deps, options));
  const enrichment: RouteAccess = {
    security: KEY_SECURITY,
    auth: auth({ scope: 'enrichment', failures: metrics.authFailures, limits }),
  };
  const manager: RouteAccess = {
    security: MANAGER_SECURITY,
    auth: auth({ scope: 'keys:manage', allowSession: deps.sessions, failures: metrics.authFailures, limits }),
  };

  registerHealth(app, deps);
  registerMetrics(app, deps, metrics);
  registerUsage(app, deps, enrichment);
  registerJobs(app, deps, enrichment);
  // /v1/keys/verify is registered before /v1/keys/{id} so that it is never read as a key id.
  registerExposures(app, deps);
  registerKeys(app, deps, manager);
  registerAccount(app, deps, manager);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer lfk_sk_…',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'lfk_session',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'lfk key service',
      version: LFK_API_VERSION,
      description: 'Trust Leads API keys: create, list, roll, revoke, report leaks.',
    },
  });

  app.notFound((c) => errorResponse(c, 'not_found', `No route for ${c.req.method} ${redactKeys(c.req.path)}.`));
  const onError = handleError(deps.logger);
  app.onError((error, c) => {
    markRoute(c);
    return onError(error, c);
  });
  serveWithStamp(app, metrics);
  return app;
}
