// Every error leaves as `{"error": {code, message, request_id}}` with the status its code maps to.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { ApiError, ERROR_STATUS, PartlyReportedError, type ErrorCode } from '../errors.js';
import { KEY_PREFIX, redactKeys } from '../key-format.js';
import { databaseTrouble } from '../database-trouble.js';
import type { Logger } from '../logger.js';
import { errorFields } from '../logger.js';
import { requestIdOf } from './request-slot.js';

// Request input quoted in a message or a log line passes through it, so a key pasted into a path
// never comes back or reaches the logs (docs/key-service.md#keys).
export { redactKeys };

/** A caller's `X-Request-Id` is echoed only when it is a plain token that cannot be a key. */
export function usableRequestId(sent: string | undefined): sent is string {
  return sent !== undefined && /^[\w\-=]{1,64}$/.test(sent) && !sent.includes(KEY_PREFIX);
}

export function errorResponse(
  c: Context,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const requestId = requestIdOf(c);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  if (ERROR_STATUS[code] === 401) c.header('WWW-Authenticate', 'Bearer');
  return c.json({ error: { code, message, request_id: requestId } }, ERROR_STATUS[code] as ContentfulStatusCode);
}

const HTTP_EXCEPTION_CODES: Record<number, [ErrorCode, string]> = {
  400: ['invalid_json', 'The request body is not valid JSON.'],
  413: ['payload_too_large', 'The request body is too large.'],
  415: ['unsupported_media_type', 'Send the request body as application/json.'],
};

export function handleError(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ApiError) return errorResponse(c, error.code, error.message, error.headers);
    if (error instanceof HTTPException) {
      const known = HTTP_EXCEPTION_CODES[error.status];
      if (known) return errorResponse(c, known[0], known[1]);
      return errorResponse(c, 'invalid_request', error.message || 'The request was not understood.');
    }
    if (error instanceof PartlyReportedError) return partlyReported(c, logger, error);
    const trouble = databaseTrouble(error);
    if (trouble?.full) {
      // An operator must act (free space): an error, not a warning. The transaction was rolled back.
      logger.error('database full', { request_id: requestIdOf(c), ...errorFields(error) });
      return errorResponse(
        c,
        'service_unavailable',
        'The database is out of space, so nothing was written. Retry later.',
        { 'Retry-After': trouble.retryAfter },
      );
    }
    if (trouble) {
      logger.warn('database unavailable', { request_id: requestIdOf(c), ...errorFields(error) });
      return errorResponse(c, 'service_unavailable', 'The service is temporarily unavailable. Retry shortly.', {
        'Retry-After': trouble.retryAfter,
      });
    }
    logger.error('unhandled error', {
      request_id: requestIdOf(c),
      path: redactKeys(c.req.path),
      ...errorFields(error),
    });
    return errorResponse(
      c,
      'internal_error',
      'Something went wrong on our side. Quote the request id if you contact support.',
    );
  };
}

/** A multi-key report that failed after some of its keys were revoked: it says so, never "nothing was written". */
function partlyReported(c: Context, logger: Logger, error: PartlyReportedError): Response {
  const trouble = databaseTrouble(error.cause);
  const why = trouble?.full
    ? 'The database ran out of space'
    : trouble
      ? 'The database became unavailable'
      : 'Something went wrong on our side';
  logger.error('exposure report failed part-way', {
    request_id: requestIdOf(c),
    committed_keys: error.committedKeys,
    ...errorFields(error.cause),
  });
  const message =
    `${why} part-way through this report: ${error.committedKeys} of the reported keys were revoked (or were already) before it did, and stay revoked. ` +
    'The rest were not looked at. Send the report again: the revoked ones will be answered already_revoked.';
  return errorResponse(c, trouble ? 'service_unavailable' : 'internal_error', message, {
    'Retry-After': trouble?.retryAfter ?? '5',
  });
}

/** Zod issues as one readable sentence naming each field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
      if (issue.code === 'unrecognized_keys') {
        const prefix = issue.path.length > 0 ? `${where}.` : '';
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${prefix}${key}"`).join(', ')}`;
      }
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** The hook every validated route uses: a failed validation is a 400 `invalid_request`. */
export function validationHook(
  result: { success: boolean; error?: { issues: readonly z.core.$ZodIssue[] } },
  c: Context,
): Response | undefined {
  if (result.success || !result.error) return undefined;
  return errorResponse(c, 'invalid_request', `Invalid request: ${describeIssues(result.error.issues)}.`);
}
