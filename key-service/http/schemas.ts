// The request and response schemas: they validate requests and generate /openapi.json.
import { z } from '@hono/zod-openapi';
import {
  MAX_EXPIRY_DAYS,
  MAX_GRACE_HOURS,
  MAX_KEY_NAME_LENGTH,
  MAX_KEYS_PER_REPORT,
  MAX_LOCATION_LENGTH,
  MAX_NOTE_LENGTH,
  MAX_ROTATION_DAYS,
  MAX_URL_LENGTH,
  MIN_ROTATION_DAYS,
} from '../../platform/limits/fields.js';
import {
  ACTOR_TYPES,
  EXPOSED_REASONS,
  EXPOSURE_STATUSES,
  JOB_STATUSES,
  KEY_STATUSES,
  PLANS,
  REVOKED_REASONS,
  SCOPES,
  SOURCE_KINDS,
  VERIFY_STATUSES,
} from '../../platform/vocabulary.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../service/paging.js';

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
    status: z.enum(KEY_STATUSES),
    created_at: z.string(),
    created_by: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    rotation_due_at: z.string(),
    rotation_overdue: z.boolean(),
    revoked_at: z.string().nullable(),
    revoked_reason: z.enum(REVOKED_REASONS).nullable(),
  })
  .openapi('Key');

export const CreatedKeySchema = KeyObjectSchema.extend({
  key: z.string().openapi({ description: 'The full key. Shown only in this response: store it now.' }),
}).openapi('CreatedKey');

export const KeyListSchema = z
  .object({ data: z.array(KeyObjectSchema), next_cursor: z.string().nullable() })
  .openapi('KeyList');

export const IdParamSchema = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'key_0Q5bX2c9Lk3mN8pR4sT6vW' }),
});

/** PostgreSQL text cannot hold the NUL character: refuse it as bad input rather than fail later. */
const NO_NUL: [(value: string) => boolean, string] = [
  (value) => !value.includes('\u0000'),
  'must not contain the NUL character',
];

const limitSchema = z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT);

export const PageQuerySchema = z.strictObject({
  limit: limitSchema.optional(),
  cursor: z.string().max(200).optional(),
});

export const KeyListQuerySchema = PageQuerySchema.extend({
  status: z.enum(KEY_STATUSES).optional(),
  q: z
    .string()
    .max(MAX_KEY_NAME_LENGTH)
    .refine(...NO_NUL)
    .optional(),
});

const positiveDuration = z.number().positive().finite();

export const CreateKeyBodySchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(MAX_KEY_NAME_LENGTH)
      .refine(...NO_NUL)
      .openapi({ example: 'Production CRM sync' }),
    scopes: ScopeListSchema.optional(),
    expires_in_days: positiveDuration.max(MAX_EXPIRY_DAYS).optional(),
  })
  .openapi('CreateKey');

export const RevokeKeyBodySchema = z
  .strictObject({ note: z.string().max(MAX_NOTE_LENGTH).optional() })
  .openapi('RevokeKey');

export const RollKeyBodySchema = z
  .strictObject({ grace_period_hours: z.number().min(0).max(MAX_GRACE_HOURS).finite().optional() })
  .openapi('RollKey');

export const AccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.enum(PLANS),
    rotation_period_days: z.number().int(),
    notification_url: z.string().nullable(),
    notification_secret: z
      .string()
      .optional()
      .openapi({ description: 'Returned once, when a notification URL is first set.' }),
  })
  .openapi('Account');

const httpUrl = z
  .string()
  .max(MAX_URL_LENGTH)
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
    rotation_period_days: z.number().int().min(MIN_ROTATION_DAYS).max(MAX_ROTATION_DAYS).optional(),
    notification_url: httpUrl.nullable().optional(),
  })
  .openapi('UpdateAccount');

export const AuditEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    at: z.string(),
    actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string().optional() }),
    key_id: z.string().optional(),
    key_name: z.string().optional(),
    ip: z.string().optional(),
    user_agent: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

export const AuditListSchema = z
  .object({ data: z.array(AuditEventSchema), next_cursor: z.string().nullable() })
  .openapi('AuditEventList');

export const UsageSchema = z
  .object({
    account: z.object({
      id: z.string(),
      plan: z.enum(PLANS),
      period_start: z.string(),
      period_end: z.string(),
      requests: z.number(),
      jobs: z.number(),
    }),
    key: z.object({ id: z.string(), name: z.string(), requests: z.number(), last_used_at: z.string().nullable() }),
  })
  .openapi('Usage');

export const CreateJobBodySchema = z.strictObject({ file_url: httpUrl }).openapi('CreateJob');

export const JobSchema = z
  .object({ id: z.string(), status: z.enum(JOB_STATUSES), file_url: z.string(), created_at: z.string() })
  .openapi('Job');

const reportedKeys = z.array(z.string().max(200)).min(1).max(MAX_KEYS_PER_REPORT);

export const ExposureSourceSchema = z.strictObject({
  kind: z.enum(SOURCE_KINDS),
  url: z.string().max(MAX_URL_LENGTH).optional(),
  location: z.string().max(MAX_LOCATION_LENGTH).optional(),
});

export const ExposureBodySchema = z
  .strictObject({
    keys: reportedKeys.optional(),
    hmsl_hashes: z.array(z.string().max(128)).min(1).max(MAX_KEYS_PER_REPORT).optional(),
    sha256s: z.array(z.string().max(128)).min(1).max(MAX_KEYS_PER_REPORT).optional(),
    source: ExposureSourceSchema.optional(),
    /** With `sha256s`: where each of them was found, in the same order (overrides `source`). */
    sources: z.array(ExposureSourceSchema).min(1).max(MAX_KEYS_PER_REPORT).optional(),
    reason: z.enum(EXPOSED_REASONS).optional(),
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
        status: z.enum(EXPOSURE_STATUSES),
      }),
    ),
  })
  .openapi('ExposureResults');

export const VerifyBodySchema = z.strictObject({ keys: reportedKeys }).openapi('VerifyKeys');

export const VerifyResultsSchema = z
  .object({
    results: z.array(z.object({ display: z.string().nullable(), sha256: z.string(), status: z.enum(VERIFY_STATUSES) })),
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
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );
}
