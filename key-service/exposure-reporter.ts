// The one narrow interface the webhook handlers use to reach the key service, with two
// implementations: in-process over KeyService (same database), and HTTP over the key service's
// client (`LFK_KEY_SERVICE_URL` + `LFK_SERVICE_TOKEN`). Handlers hold hashes, never keys, once a
// delivery is stored; only the partner receiver sees keys, and only to label them.
import {
  createHttpKeyServiceClient,
  KeyServiceError,
  type HttpClientOptions,
  type KeyServiceClient,
} from './http-client.js';
import { MAX_LOCATION_LENGTH, MAX_URL_LENGTH } from '../platform/limits/fields.js';
import { UnavailableError } from '../platform/queue/queue-worker.js';
import {
  KEY_STATUSES,
  isOneOf,
  type ExposedReason,
  type ExposureStatus,
  type VerifyStatus,
  type WebhookSourceKind,
} from '../platform/vocabulary.js';
import type { KeyService } from './service/key-service.js';
import type { ExposureSource, RequestContext } from './service/types.js';

export type WebhookSource = ExposureSource & { kind: WebhookSourceKind };

export interface ExposureReport {
  source: WebhookSource;
  reason: ExposedReason;
}

/** A key's SHA-256 and where it was found. */
export interface FoundHash {
  sha256: string;
  source: WebhookSource;
}

export interface ExposureReporter {
  /** For each full key (in order): did lfk issue it (active, expired or revoked)? No side effect. */
  issued(keys: readonly string[]): Promise<boolean[]>;
  /** Revokes the keys with these SHA-256 hashes, each with its own source; one status per hash, in order. */
  revokeBySha256(found: readonly FoundHash[], reason: ExposedReason): Promise<ExposureStatus[]>;
  /** Revokes the keys with these GitGuardian HMSL hashes; one status per hash, in order. */
  revokeByHmsl(hmslHashes: readonly string[], report: ExposureReport): Promise<ExposureStatus[]>;
}

/** A status lfk gives only to keys it issued. */
const issued = (status: VerifyStatus) => isOneOf(KEY_STATUSES, status);

function contextOf(source: WebhookSource): RequestContext {
  return { actor: { type: source.kind }, userAgent: 'lfk-webhook-server' };
}

export function inProcessReporter(service: KeyService): ExposureReporter {
  return {
    async issued(keys) {
      const results = await service.verifyKeys([...keys]);
      return results.map((result) => issued(result.status));
    },
    async revokeBySha256(found, reason) {
      if (found.length === 0) return [];
      const outcome = await service.reportExposedSha256s([...found], contextOf(found[0]!.source), reason);
      return outcome.results.map((result) => result.status);
    },
    async revokeByHmsl(hashes, report) {
      const outcome = await service.reportExposedHashes(
        [...hashes],
        report.source,
        contextOf(report.source),
        report.reason,
      );
      return outcome.results.map((result) => result.status);
    },
  };
}

/**
 * Over HTTP to a key service that runs apart. An unreachable or failing (5xx, 429) key service
 * is an UnavailableError: the inbox keeps the delivery and retries it, never drops it.
 */
export function httpReporter(baseUrl: string, serviceToken: string, options: HttpClientOptions = {}): ExposureReporter {
  const client: KeyServiceClient = createHttpKeyServiceClient(baseUrl, { maxRetries: 0, ...options, serviceToken });
  const unavailable = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (
        error instanceof KeyServiceError &&
        (error.status === undefined || error.status >= 500 || error.status === 429)
      ) {
        throw new UnavailableError(error.message);
      }
      throw error;
    }
  };
  const source = (report: { source: WebhookSource }) => ({
    kind: report.source.kind,
    ...(report.source.url && { url: report.source.url.slice(0, MAX_URL_LENGTH) }),
    ...(report.source.location && { location: report.source.location.slice(0, MAX_LOCATION_LENGTH) }),
  });
  return {
    issued: (keys) => unavailable(async () => (await client.verifyKeys(keys)).map((result) => issued(result.status))),
    // One request for all of them (per 1000), each hash with its own source.
    revokeBySha256: (found, reason) =>
      unavailable(async () =>
        (
          await client.reportFoundSha256s(
            found.map((item) => ({ sha256: item.sha256, source: source(item) })),
            reason,
          )
        ).map((result) => result.status),
      ),
    revokeByHmsl: (hashes, report) =>
      unavailable(async () =>
        (
          await client.reportExposedHashes('hmsl_hashes', hashes, { source: source(report), reason: report.reason })
        ).map((r) => r.status),
      ),
  };
}
