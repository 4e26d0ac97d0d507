// The one error vocabulary of the API: every code maps to exactly one HTTP status.

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  conflicting_credentials: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  unauthenticated: 401,
  invalid_signature: 401,
  plan_required: 403,
  insufficient_scope: 403,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  key_revoked: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  not_configured: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const INVALID_KEY_MESSAGE = 'The API key is not valid. Check that it was copied whole and has not been revoked.';

export function notFound(what: string): ApiError {
  return new ApiError('not_found', `No ${what} with that id.`);
}

/**
 * A report that failed after part of it committed: those keys are revoked (or were already) and
 * stay so; the answer must say so rather than "nothing was saved". `cause` is the failure.
 */
export class PartlyReportedError extends Error {
  override name = 'PartlyReportedError';

  constructor(
    override readonly cause: unknown,
    /** Keys whose revocation (or earlier revocation) was committed before the failure. */
    readonly committedKeys: number,
  ) {
    super(`the report failed after ${committedKeys} of its keys were committed as revoked`);
  }
}
