import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../../../platform/errors.js';
import type { ExposureSource, RequestContext } from '../../service/types.js';
import { clientAddress } from '../../../platform/http/client-address.js';
import { secretsEqual } from '../../../platform/constant-time.js';
import { readCredentials } from '../credentials.js';
import type { ApiApp, ApiDeps, ApiEnv } from '../env.js';
import { jsonBody, jsonResponse } from '../openapi-parts.js';
import { RateLimiter } from '../../../platform/http/rate-limit.js';
import { DEFAULT_REPORT_RATE_LIMIT } from '../../../platform/defaults.js';
import { MAX_KEYS_PER_REPORT } from '../../../platform/limits/fields.js';
import {
  ExposureBodySchema,
  ExposureResultsSchema,
  VerifyBodySchema,
  VerifyResultsSchema,
  errorResponses,
} from '../schemas.js';
import { requestHeader } from '../../../platform/http/request-headers.js';
import { WEBHOOK_SOURCE_KINDS, isOneOf } from '../../../platform/vocabulary.js';

/** True when the request carries LFK_SERVICE_TOKEN: a separate webhook server of ours. */
function fromServiceToken(c: Context<ApiEnv>, serviceToken: string | undefined): boolean {
  if (!serviceToken) return false;
  const credentials = readCredentials(requestHeader(c, 'authorization'), undefined);
  return credentials.kind === 'token' && secretsEqual(credentials.token, serviceToken);
}

function reporterContext(c: Context<ApiEnv>, ip: string, source: ExposureSource): RequestContext {
  const actorType = isOneOf(WEBHOOK_SOURCE_KINDS, source.kind) ? source.kind : 'reporter';
  return { actor: { type: actorType }, ip, userAgent: requestHeader(c, 'user-agent') };
}

export function registerExposures(app: ApiApp, deps: ApiDeps): void {
  const { service } = deps;
  const limit = deps.reportRateLimit ?? DEFAULT_REPORT_RATE_LIMIT;
  const reportLimiter = new RateLimiter(limit);
  const verifyLimiter = new RateLimiter(limit);
  const trustProxy = deps.trustProxy ?? false;

  const report = createRoute({
    method: 'post',
    path: '/v1/exposures',
    summary: 'Report leaked keys: holding a key is the proof. Live keys are revoked at once.',
    description:
      `At most ${MAX_KEYS_PER_REPORT} keys. ` +
      'Rate-limited per client address. A separate webhook server reports by `sha256s` or `hmsl_hashes`, optionally with a `reason`, with `Authorization: Bearer <LFK_SERVICE_TOKEN>` (not rate-limited).',
    request: { body: jsonBody(ExposureBodySchema) },
    responses: {
      200: jsonResponse(ExposureResultsSchema, 'One result per reported key, in order'),
      ...errorResponses(400, 401, 413, 429, 503),
    },
  });
  app.openapi(report, async (c) => {
    const ip = clientAddress(c, trustProxy);
    // A webhook server relays whole batches of alerts: the per-address limit is for strangers.
    const relayed = fromServiceToken(c, deps.serviceToken);
    if (!relayed) reportLimiter.take(ip);
    const body = c.req.valid('json');
    const source: ExposureSource = body.source ?? { kind: 'other' };
    const context = reporterContext(c, ip, source);
    // Hashes (a webhook server never stores keys) and a chosen reason come only from a separate
    // webhook server, which proves itself with the shared service token.
    if ((body.hmsl_hashes || body.sha256s || body.sources || body.reason) && !relayed) {
      throw new ApiError(
        'unauthenticated',
        'Reports by hmsl_hashes or sha256s, or with a reason, need "Authorization: Bearer <LFK_SERVICE_TOKEN>".',
      );
    }
    if (body.hmsl_hashes) {
      const outcome = await service.reportExposedHashes(
        body.hmsl_hashes,
        source,
        context,
        body.reason ?? 'exposed:gitguardian',
      );
      return c.json({ results: outcome.results }, 200);
    }
    if (body.sha256s) {
      const sources = body.sources;
      const found = body.sha256s.map((sha256, index) => ({ sha256, source: sources?.[index] ?? source }));
      const outcome = await service.reportExposedSha256s(found, context, body.reason);
      return c.json({ results: outcome.results }, 200);
    }
    if (body.reason) {
      const outcome = await service.reportExposures(body.keys ?? [], source, context, body.reason);
      return c.json({ results: outcome.results }, 200);
    }
    const outcome = await service.reportExposures(body.keys ?? [], source, context);
    return c.json({ results: outcome.results }, 200);
  });

  const verify = createRoute({
    method: 'post',
    path: '/v1/keys/verify',
    summary: 'Whether each key is live; no side effect',
    request: { body: jsonBody(VerifyBodySchema) },
    responses: {
      200: jsonResponse(VerifyResultsSchema, 'One result per key, in order'),
      ...errorResponses(400, 413, 429, 503),
    },
  });
  app.openapi(verify, async (c) => {
    if (!fromServiceToken(c, deps.serviceToken)) verifyLimiter.take(clientAddress(c, trustProxy));
    return c.json({ results: await service.verifyKeys(c.req.valid('json').keys) }, 200);
  });
}
