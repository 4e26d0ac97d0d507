// GitLab's two ways of sending leaked tokens to their issuer (docs/webhooks.md#gitlab,
// docs/reference/gitlab.md):
// - GitLab.com's partner program: POST /webhooks/gitlab/secret-detection, `[{type, token, url}]`
//   signed with ECDSA like GitHub's partner program; answered 202 once stored.
// - GitLab Self-Managed's Token Revocation API: GET /webhooks/gitlab/revocable_token_types and
//   POST /webhooks/gitlab/revoke_tokens `[{type, token, location}]`, authenticated by the raw
//   `Authorization: <LFK_GITLAB_REVOCATION_TOKEN>`; answered 204 once stored, 400 malformed or of
//   a type lfk does not revoke (GitLab does not retry those), 401, 429 (GitLab retries later).
// Both store the well-formed lfk keys by hash in the inbox; the worker revokes them.
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { secretsEqual } from '../../platform/constant-time.js';
import { clientAddress } from '../../platform/http/client-address.js';
import type { RateLimiter } from '../../platform/http/rate-limit.js';
import { redactKeys } from '../../platform/key-format.js';
import type { PartnerDelivery } from '../deliveries.js';
import { redactPayload } from '../redact-payload.js';
import type { PartnerKeyCache } from '../verify-partner.js';
import { MAX_PARTNER_BODY_BYTES, MAX_PARTNER_MATCHES, readPartnerBatch, storedMatches } from './partner-batch.js';
import {
  accept,
  errorResponse,
  isObject,
  notConfigured,
  parseJson,
  readSignedBody,
  refuse,
  storeAndWake,
  type ReceiverDeps,
} from './shared.js';

export interface GitlabPartnerDeps extends ReceiverDeps {
  /** Undefined when LFK_GITLAB_PUBLIC_KEYS_URL is unset. */
  keys: PartnerKeyCache | undefined;
}

export function gitlabPartnerReceiver(deps: GitlabPartnerDeps) {
  return async (c: Context): Promise<Response> => {
    if (!deps.keys) return notConfigured(c, ['LFK_GITLAB_PUBLIC_KEYS_URL']);
    const batch = await readPartnerBatch(c, deps, {
      issuer: 'GitLab',
      keys: deps.keys,
      defaultSource: 'partner program',
    });
    if (batch instanceof Response) return batch;
    return accept(c, deps, {
      provider: 'gitlab',
      event: 'secret_detection',
      dedupKey: `gitlab-partner:${batch.bodyHash}`,
      payload: JSON.stringify(storedMatches(batch.matches)),
    });
  };
}

export interface GitlabRevocationDeps extends ReceiverDeps {
  /** LFK_GITLAB_REVOCATION_TOKEN; undefined when unset. */
  token: string | undefined;
  /** The `type` values lfk revokes (revocableTokenTypes). */
  types: readonly string[];
  /** Requests per address and minute (LFK_REPORT_RATE_LIMIT, as for POST /v1/exposures). */
  limiter: RateLimiter;
  trustProxy: boolean;
}

/**
 * The `type` GitLab gives a finding of a gitleaks rule: `gitleaks_rule_id_` + the rule's identifier
 * value, spaces made `_`, lower-cased (ScanSecurityReportSecretsWorker#revocation_type). The value
 * is the rule's id in a custom ruleset (lfk rules export --format gitleaks); older analyzers gave
 * its description. Both forms of every revocable rule are listed.
 */
export function revocableTokenTypes(
  rules: ReadonlyArray<{ id: string; description?: string | undefined; revocable?: boolean | undefined }>,
): string[] {
  const typeOf = (value: string) => `gitleaks_rule_id_${value.replaceAll(' ', '_')}`.toLowerCase();
  const types = rules
    .filter((rule) => rule.revocable)
    .flatMap((rule) => [rule.id, ...(rule.description ? [rule.description] : [])]);
  return [...new Set(types.map(typeOf))];
}

/** Authorization and the rate limit, before any body is read; null when the request may go on. */
function refusal(c: Context, deps: GitlabRevocationDeps): Response | null {
  if (!deps.token) return notConfigured(c, ['LFK_GITLAB_REVOCATION_TOKEN']);
  // Counted before the token check, so guessing the token is limited too (it throws 429).
  deps.limiter.take(clientAddress(c, deps.trustProxy));
  // GitLab sends the bare token; `Bearer <token>` is taken too, as a person would try it with curl.
  const presented = (c.req.header('authorization') ?? '').replace(/^Bearer\s+/i, '');
  if (!presented || !secretsEqual(presented, deps.token))
    return refuse(c, 'unauthenticated', 'Authorization must be the token set in LFK_GITLAB_REVOCATION_TOKEN.');
  return null;
}

export function gitlabTokenTypesReceiver(deps: GitlabRevocationDeps) {
  return (c: Context): Response => refusal(c, deps) ?? c.json({ types: deps.types }, 200);
}

export function gitlabRevokeTokensReceiver(deps: GitlabRevocationDeps) {
  const known = new Set(deps.types);
  return async (c: Context): Promise<Response> => {
    const refused = refusal(c, deps);
    if (refused) return refused;
    // The token was checked: the body needs no signature, only the limits every body has.
    const body = await readSignedBody(c, MAX_PARTNER_BODY_BYTES, deps.bodies, {
      update: () => undefined,
      verify: () => null,
    });
    if (body instanceof Response) return body;
    const parsed = parseJson(body.toString('utf8'));
    if (!parsed.ok) return errorResponse(c, 'invalid_json', parsed.message);
    if (!Array.isArray(parsed.value) || parsed.value.length === 0)
      return errorResponse(c, 'invalid_request', 'The body must be a non-empty JSON array of {type, token, location}.');
    if (parsed.value.length > MAX_PARTNER_MATCHES) {
      return errorResponse(
        c,
        'payload_too_large',
        `At most ${MAX_PARTNER_MATCHES} tokens per request (got ${parsed.value.length}).`,
      );
    }
    const stored: PartnerDelivery = { matches: [] };
    for (const [index, item] of parsed.value.entries()) {
      if (!isObject(item) || typeof item.type !== 'string' || typeof item.token !== 'string') {
        return errorResponse(c, 'invalid_request', `Token ${index}: "type" and "token" must be strings.`);
      }
      if (item.location !== undefined && typeof item.location !== 'string')
        return errorResponse(c, 'invalid_request', `Token ${index}: "location" must be a string.`);
      if (!known.has(item.type)) {
        return errorResponse(
          c,
          'invalid_request',
          `Token ${index}: type "${redactKeys(item.type).slice(0, 100)}" is not one lfk revokes (GET /webhooks/gitlab/revocable_token_types lists them).`,
        );
      }
      // GitLab sends the text its rule matched: the key itself, or the key with what surrounds it.
      for (const key of redactPayload(item.token).keys) {
        stored.matches.push({ ...key, type: item.type, url: redactKeys(item.location ?? ''), source: 'self-managed' });
      }
    }
    // GitLab retries what failed: the same body again is the same delivery.
    await storeAndWake(deps, {
      provider: 'gitlab',
      event: 'revoke_tokens',
      dedupKey: `gitlab-revocation:${createHash('sha256').update(body).digest('hex')}`,
      payload: JSON.stringify(stored),
    });
    return c.body(null, 204);
  };
}
