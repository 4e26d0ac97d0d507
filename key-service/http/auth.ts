// Authentication middleware: API keys (docs/key-service.md#authentication) and, for the management
// routes, a signed-in person's session when the web page supplies a resolver.
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, INVALID_KEY_MESSAGE } from '../../platform/errors.js';
import type { Counter } from '../../platform/metrics.js';
import type { Scope } from '../service/types.js';
import type { VerifiedKey } from '../service/key-cache.js';
import { clientAddress } from '../../platform/http/client-address.js';
import type { KeyRateLimiter } from './key-rate-limit.js';
import type { RateLimiter } from '../../platform/http/rate-limit.js';
import { readCredentials } from './credentials.js';
import type { ApiDeps, ApiEnv, Principal } from './env.js';
import { requestHeader } from '../../platform/http/request-headers.js';

/** Resolves a signed-in person's session, or null when the request carries none. */
export type SessionResolver = (c: Context<ApiEnv>) => Promise<Principal | null>;

export interface AuthOptions {
  scope: Scope;
  /** Accept a signed-in person's session as well as a key with the scope. */
  allowSession?: SessionResolver | undefined;
  /** Counts refusals by error code. */
  failures?: Counter | undefined;
  limits: AuthLimits;
}

/** Shared by every authenticated route of one app. */
export interface AuthLimits {
  /** Requests a second per key. */
  perKey: KeyRateLimiter;
  /**
   * Failed authentications a minute per address: past it, keys that fail get 429 instead of 401.
   * A key that verifies is never refused for its address's failures (the address may be a proxy
   * or a NAT that a guesser shares with customers).
   */
  failuresPerAddress: RateLimiter;
}

export function authenticate(deps: ApiDeps, options: AuthOptions): MiddlewareHandler<ApiEnv> {
  const trustProxy = deps.trustProxy ?? false;
  const refuse = (
    code: 'missing_api_key' | 'conflicting_credentials' | 'invalid_api_key' | 'insufficient_scope',
    message: string,
  ): never => {
    options.failures?.inc({ code });
    throw new ApiError(code, message);
  };
  const { perKey, failuresPerAddress } = options.limits;
  const refuseUnknownKey = (c: Context<ApiEnv>, now: Date): never => {
    try {
      failuresPerAddress.take(clientAddress(c, trustProxy), now.getTime());
    } catch (error) {
      options.failures?.inc({ code: 'rate_limited' });
      throw error;
    }
    return refuse('invalid_api_key', INVALID_KEY_MESSAGE);
  };
  // One clock reading per request, shared by the cache, the limits and the usage count.
  const admit = (c: Context<ApiEnv>, key: VerifiedKey | null, now: Date): void => {
    if (!key) refuseUnknownKey(c, now);
    if (!perKey.take(key!.id, now.getTime())) {
      options.failures?.inc({ code: 'rate_limited' });
      throw perKey.refusal(now.getTime());
    }
    const ip = clientAddress(c, trustProxy);
    deps.service.recordUse(key!, ip, now);
    if (!key!.scopes.includes(options.scope))
      refuse('insufficient_scope', `This key lacks the "${options.scope}" scope needed here.`);
    c.set('principal', {
      accountId: key!.accountId,
      key: key!,
      context: {
        actor: { type: 'key', id: key!.id },
        ip,
        userAgent: requestHeader(c, 'user-agent'),
        scopes: key!.scopes,
      },
    });
  };
  // Not an async function: a key found in the cache costs no promise of its own (the hot path).
  return (c, next) => {
    const authorization = requestHeader(c, 'authorization');
    const apiKeyHeader = requestHeader(c, 'x-api-key');
    if (options.allowSession && authorization === undefined && apiKeyHeader === undefined) {
      const resolve = options.allowSession;
      return resolve(c).then((principal) => {
        if (!principal) return refuse('missing_api_key', MISSING_KEY_MESSAGE);
        c.set('principal', principal);
        return next();
      });
    }
    const credentials = readCredentials(authorization, apiKeyHeader);
    if (credentials.kind === 'none') refuse('missing_api_key', MISSING_KEY_MESSAGE);
    if (credentials.kind === 'conflict')
      refuse('conflicting_credentials', 'The Authorization and X-API-Key headers carry different keys. Send one key.');
    const now = deps.service.now();
    const cached = credentials.kind === 'token' ? deps.service.authenticateFromCache(credentials.token, now) : null;
    if (cached) {
      admit(c, cached, now);
      return next();
    }
    // Malformed and bad-checksum tokens cost no lookup (authenticate checks them first).
    if (cached === null || credentials.kind !== 'token') return refuseUnknownKey(c, now);
    return deps.service.authenticate(credentials.token).then((key) => {
      admit(c, key, now);
      return next();
    });
  };
}

const MISSING_KEY_MESSAGE = 'No API key was sent. Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".';
