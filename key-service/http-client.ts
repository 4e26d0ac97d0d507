// A dependency-free client (global fetch) for the key service's public key routes, used by the
// scanner (`--verify`, `--revoke`) and by anything else that runs apart from the key service.
// Callers depend on the KeyServiceClient interface, not on fetch.

import { MAX_KEYS_PER_REPORT } from '../platform/limits/fields.js';
import { retryAfterMs } from '../platform/outbound/retry-after.js';
import type { ExposedReason, ExposureStatus, SourceKind, VerifyStatus } from '../platform/vocabulary.js';

export interface KeyResult<Status> {
  /** `lfk_sk_a1b2…t0Xy`, or null for a string that is not key-shaped. */
  display: string | null;
  sha256: string;
  status: Status;
}

/** Where a scanner found the keys it reports (anyone may report the keys they hold). */
export interface ScannerSource {
  kind: 'scanner';
  url?: string;
  location?: string;
}

/** What a separate webhook server reports (it holds hashes, not keys); needs LFK_SERVICE_TOKEN. */
export interface ServiceReport {
  source: { kind: SourceKind; url?: string; location?: string };
  reason: ExposedReason;
}

export interface HashResult {
  sha256?: string;
  hmsl_hash?: string;
  status: ExposureStatus;
}

export interface KeyServiceClient {
  /** `POST /v1/keys/verify`: is each key live? No side effect. Results in the order sent. */
  verifyKeys(keys: readonly string[]): Promise<Array<KeyResult<VerifyStatus>>>;
  /** `POST /v1/exposures`: revokes each live key. Results in the order sent. */
  reportExposures(keys: readonly string[], source: ScannerSource): Promise<Array<KeyResult<ExposureStatus>>>;
  /** `POST /v1/exposures` with `sha256s` or `hmsl_hashes` and a reason (`serviceToken` required). */
  reportExposedHashes(
    kind: 'sha256s' | 'hmsl_hashes',
    hashes: readonly string[],
    report: ServiceReport,
  ): Promise<HashResult[]>;
  /** `POST /v1/exposures` with `sha256s`, each with its own source (`serviceToken` required). */
  reportFoundSha256s(
    found: ReadonlyArray<{ sha256: string; source: ServiceReport['source'] }>,
    reason: ServiceReport['reason'],
  ): Promise<HashResult[]>;
}

/** The key service could not be reached or did not answer as it should. Never holds a full key. */
export class KeyServiceError extends Error {
  override name = 'KeyServiceError';

  /** The HTTP status the key service answered; undefined when it could not be reached. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HttpClientOptions {
  fetch?: typeof fetch;
  /** Retries after 429 (default 3), waiting Retry-After each time (at most maxRetryDelayMs). */
  maxRetries?: number;
  maxRetryDelayMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** LFK_SERVICE_TOKEN, sent as a bearer token with hash reports. */
  serviceToken?: string;
}

export function createHttpKeyServiceClient(baseUrl: string, options: HttpClientOptions = {}): KeyServiceClient {
  const doFetch = options.fetch ?? fetch;
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const base = baseUrl.replace(/\/+$/, '');

  async function post<Status, R = KeyResult<Status>>(
    path: string,
    body: Record<string, unknown>,
    expected: number,
  ): Promise<R[]> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${base}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(options.serviceToken && { authorization: `Bearer ${options.serviceToken}` }),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause =
          (error as { cause?: { code?: string } }).cause?.code ??
          (error instanceof Error ? error.message : String(error));
        throw new KeyServiceError(`the key service at ${base} cannot be reached (${cause})`);
      }
      if (response.status === 429 && attempt < maxRetries) {
        await response.body?.cancel();
        await sleep(Math.min(retryAfterMs(response.headers) ?? 1000, maxRetryDelayMs));
        continue;
      }
      const text = await response.text();
      if (!response.ok) {
        const message = errorMessage(text);
        throw new KeyServiceError(
          `the key service answered ${response.status} to POST ${path}${message ? `: ${message}` : ''}`,
          response.status,
        );
      }
      const results = parseResults<R>(text);
      if (!results || results.length !== expected) {
        throw new KeyServiceError(`the key service gave an unexpected answer to POST ${path}`);
      }
      return results;
    }
  }

  async function inBatches<T, R>(keys: readonly T[], send: (batch: T[]) => Promise<R[]>) {
    const results: R[] = [];
    for (let start = 0; start < keys.length; start += MAX_KEYS_PER_REPORT) {
      results.push(...(await send(keys.slice(start, start + MAX_KEYS_PER_REPORT))));
    }
    return results;
  }

  return {
    verifyKeys: (keys) =>
      inBatches(keys, (batch) => post<VerifyStatus>('/v1/keys/verify', { keys: batch }, batch.length)),
    reportExposures: (keys, source) =>
      inBatches(keys, (batch) => post<ExposureStatus>('/v1/exposures', { keys: batch, source }, batch.length)),
    reportExposedHashes: (kind, hashes, report) =>
      inBatches(hashes, (batch) =>
        post<ExposureStatus, HashResult>('/v1/exposures', { [kind]: batch, ...report }, batch.length),
      ),
    reportFoundSha256s: (found, reason) =>
      inBatches(found, (batch) =>
        post<ExposureStatus, HashResult>(
          '/v1/exposures',
          { sha256s: batch.map((item) => item.sha256), sources: batch.map((item) => item.source), reason },
          batch.length,
        ),
      ),
  };
}

/** Retry-After in seconds or as an HTTP date; one second when absent or unreadable. */
function parseResults<R>(text: string): R[] | undefined {
  try {
    const results = (JSON.parse(text) as { results?: unknown }).results;
    return Array.isArray(results) ? (results as R[]) : undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message;
  } catch {
    return undefined;
  }
}
