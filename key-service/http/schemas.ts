// The request and response schemas: they validate requests and generate /openapi.json.
import { z } from '@hono/zod-openapi';
import { MAX_REPORTED_KEYS } from '../service/exposures.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../service/paging.js';
import { SCOPES } from '../service/types.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_api_key' }),
      message: z.string(),
      request_id: z.string(),
    }),
  })
  .openapi('Error');

export const ScopeSchema = z.enum(SCOPES).openapi('Scope');

const SCOPE_LIST_MESSAGE = `must be an array of scope names such as ${JSON.stringify([SCOPES[0]])}`;

/**
 * The scopes a request gives a key. Not `.min()`/`.max()`: zod runs those on any value with a
 * length even once the type is wrong, so `"scopes": "enrichment"` was also told "expected string
 * to have <=2 characters". Refinements run on arrays only; the limits are restated for OpenAPI.
 */
export const ScopeListSchema = z
  .array(ScopeSchema, { error: (issue) => (issue.code === 'invalid_type' ? SCOPE_LIST_MESSAGE : undefined) })
  .refine((scopes) => scopes.length >= 1, 'must name at least one scope')
  .refine((scopes) => scopes.length <= SCOPES.length, `must name at most ${SCOPES.length} scopes`)
  .openapi({ minItems: 1, maxItems: SCOPES.length });

export const KeyObjectSchema = z
  .object({
    id: z.string().openapi({ example: 'key_0Q5bX2c9Lk3mN8pR4sT6vW' }),
    name: z.string().openapi({ example: 'Production CRM sync' }),
    prefix: z.string().openapi({ example: 'lfk_sk_a1b2' }),
    last4: z.string().openapi({ example: 't0Xy' }),
    display: z.string().openapi({ example: 'lfk_sk_a1b2…t0Xy' }),
    scopes: z.array(ScopeSchema),
    status: z.enum(['active', 'expired', 'revoked']),
    created_at: z.string(),
    created_by: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    rotation_due_at: z.string(),
    rotation_overdue: z.boolean(),
    revoked_at: z.string().nullable(),
    revoked_reason: z.string().nullable(),
  })
  .openapi('Key');

export const CreatedKeySchema = KeyObjectSchema.extend({
  key: z.string().openapi({ description: 'The full key. Shown only in this response: store it now.' }),
}).openapi('CreatedKey');

export const KeyListSchema = z.object({ data: z.array(KeyObjectSchema), next_cursor: z.string().nullable() }).openapi('KeyList');

export const IdParamSchema = z.object({
  id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'key_0Q5bX2c9Lk3mN8pR4sT6vW' }),
});

/** PostgreSQL text cannot hold the NUL character: refuse it as bad input rather than fail later. */
const NO_NUL: [(value: string) => boolean, string] = [(value) => !value.includes('\u0000'), 'must not contain the NUL character'];

const limitSchema = z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT);

export const PageQuerySchema = z.strictObject({
  limit: limitSchema.optional(),
  cursor: z.string().max(200).optional(),
});

export const KeyListQuerySchema = PageQuerySchema.extend({
  status: z.enum(['active', 'expired', 'revoked']).optional(),
  q: z.string().max(100).refine(...NO_NUL).optional(),
});

const positiveDuration = z.number().positive().finite();

export const CreateKeyBodySchema = z
  .strictObject({
    name: z.string().min(1).max(100).refine(...NO_NUL).openapi({ example: 'Production CRM sync' }),
    scopes: ScopeListSchema.optional(),
    expires_in_days: positiveDuration.max(3650).optional(),
  })
  .openapi('CreateKey');

export const RevokeKeyBodySchema = z.strictObject({ note: z.string().max(500).optional() }).openapi('RevokeKey');

export const RollKeyBodySchema = z
  .strictObject({ grace_period_hours: z.number().min(0).max(720).finite().optional() })
  .openapi('RollKey');

export const AccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.enum(['free', 'pro', 'agency']),
    rotation_period_days: z.number().int(),
    notification_url: z.string().nullable(),
    notification_secret: z.string().optional().openapi({ description: 'Returned once, when a notification URL is first set.' }),
  })
  .openapi('Account');

const httpUrl = z
  .string()
  .max(2048)
  .refine(...NO_NUL)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL');

export const UpdateAccountBodySchema = z
  .strictObject({
    rotation_period_days: z.number().int().min(30).max(90).optional(),
    notification_url: httpUrl.nullable().optional(),
  })
  .openapi('UpdateAccount');

export const AuditEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    at: z.string(),
    actor: z.object({ type: z.enum(['user', 'key', 'system', 'github', 'gitguardian', 'gitlab', 'reporter']), id: z.string().optional() }),
    key_id: z.string().optional(),
    key_name: z.string().optional(),
    ip: z.string().optional(),
    user_agent: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

export const AuditListSchema = z.object({ data: z.array(AuditEventSchema), next_cursor: z.string().nullable() }).openapi('AuditEventList');

export const UsageSchema = z
  .object({
    account: z.object({ id: z.string(), plan: z.string(), period_start: z.string(), period_end: z.string(), requests: z.number(), jobs: z.number() }),
    key: z.object({ id: z.string(), name: z.string(), requests: z.number(), last_used_at: z.string().nullable() }),
  })
  .openapi('Usage');

export const CreateJobBodySchema = z.strictObject({ file_url: httpUrl }).openapi('CreateJob');

export const JobSchema = z
  .object({ id: z.string(), status: z.enum(['queued', 'running', 'done', 'failed']), file_url: z.string(), created_at: z.string() })
  .openapi('Job');


const reportedKeys = z.array(z.string().max(200)).min(1).max(MAX_REPORTED_KEYS);

export const ExposureSourceSchema = z.strictObject({
  kind: z.enum(['scanner', 'github', 'gitguardian', 'gitlab', 'other']),
  url: z.string().max(2048).optional(),
  location: z.string().max(1024).optional(),
});

export const ExposureBodySchema = z
  .strictObject({
    keys: reportedKeys.optional(),
    hmsl_hashes: z.array(z.string().max(128)).min(1).max(MAX_REPORTED_KEYS).optional(),
    sha256s: z.array(z.string().max(128)).min(1).max(MAX_REPORTED_KEYS).optional(),
    source: ExposureSourceSchema.optional(),
    /** With `sha256s`: where each of them was found, in the same order (overrides `source`). */
    sources: z.array(ExposureSourceSchema).min(1).max(MAX_REPORTED_KEYS).optional(),
    reason: z.enum(['exposed:github-partner', 'exposed:github-app', 'exposed:gitguardian', 'exposed:gitlab', 'exposed:scanner', 'exposed:report']).optional(),
  })
  .refine((body) => [body.keys, body.hmsl_hashes, body.sha256s].filter((list) => list !== undefined).length === 1, {
    message: 'send exactly one of "keys", "hmsl_hashes" or "sha256s"',
  })
  .refine((body) => body.sources === undefined || body.sources.length === body.sha256s?.length, {
    message: '"sources" goes with "sha256s", one source for each hash',
  })
  .openapi('ExposureReport');

export const ExposureResultsSchema = z
  .object({
    results: z.array(
      z.object({
        display: z.string().nullable().optional(),
        sha256: z.string().optional(),
        hmsl_hash: z.string().optional(),
        status: z.enum(['revoked', 'already_revoked', 'unknown', 'invalid']),
      }),
    ),
  })
  .openapi('ExposureResults');

export const VerifyBodySchema = z.strictObject({ keys: reportedKeys }).openapi('VerifyKeys');

export const VerifyResultsSchema = z
  .object({
    results: z.array(
      z.object({ display: z.string().nullable(), sha256: z.string(), status: z.enum(['active', 'expired', 'revoked', 'unknown', 'invalid']) }),
    ),
  })
  .openapi('VerifyResults');

/** The error answers every authenticated route may give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid request',
    401: 'Missing or invalid API key',
    403: 'Plan or scope does not allow this',
    404: 'Not found (also for another account’s id)',
    409: 'Conflict',
    413: 'Body too large',
    429: 'Rate limited',
    503: 'Service unavailable',
  };
  return Object.fromEntries(
    statuses.map((status) => [status, { description: descriptions[status] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }]),
  );
}
