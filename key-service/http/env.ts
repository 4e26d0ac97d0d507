// What the routes find on the Hono context.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { Logger } from '../../platform/logger.js';
import type { VerifiedKey } from '../service/key-cache.js';
import type { KeyService } from '../service/key-service.js';
import type { RequestContext } from '../service/types.js';

/** Who a request acts for, once authenticated. */
export interface Principal {
  accountId: string;
  context: RequestContext;
  /** The calling key; absent for a signed-in person. */
  key?: VerifiedKey;
}

export interface ApiVariables extends RequestIdVariables {
  principal: Principal;
}

export interface ApiEnv {
  Variables: ApiVariables;
}

export type ApiApp = OpenAPIHono<ApiEnv>;

export interface ApiDeps {
  service: KeyService;
  logger: Logger;
  /** Requests a minute per client address on the unauthenticated report routes (default 60). */
  reportRateLimit?: number;
  /** Requests a second one key may make on this instance (default 100). */
  keyRateLimit?: number;
  /** Failed authentications a minute from one address before its uncached keys get 429 (default 60). */
  authFailureLimit?: number;
  /** Trust the first `X-Forwarded-For` address (behind a load balancer). */
  trustProxy?: boolean;
  /** Largest accepted request body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Token for a separate webhook server's hash reports (`LFK_SERVICE_TOKEN`). */
  serviceToken?: string | undefined;
  /** Lets non-loopback clients read `/metrics` with this Bearer token (`LFK_METRICS_TOKEN`). */
  metricsToken?: string | undefined;
  /** `LFK_PUBLIC_URL`: without a metrics token, `/metrics` answers its host besides the loopback names. */
  publicUrl?: string | undefined;
}
