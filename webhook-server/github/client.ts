// Octokit authenticated as one installation of the lfk GitHub App (JWT → installation token,
// cached by @octokit/auth-app for its hour). Loaded only by the webhook server, never by `lfk scan`.
import { readFileSync } from 'node:fs';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { retryAfterMs } from '../../platform/outbound/retry-after.js';
import { DEFAULT_OUTBOUND_TIMEOUT_MS, fetchWithTimeout } from '../../platform/outbound/timeouts.js';
import { PermanentError, RetryLaterError, UnavailableError } from '../../platform/queue/queue-worker.js';

export type InstallationOctokit = Octokit;

export interface GithubAppCredentials {
  apiUrl: string;
  appId: string;
  privateKey: string;
  fetch?: typeof fetch;
  /** Each request to GitHub (token exchange included) gives up after this long (LFK_OUTBOUND_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface GithubApps {
  forInstallation(installationId: number): InstallationOctokit;
}

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function createGithubApps(credentials: GithubAppCredentials): GithubApps {
  const byInstallation = new Map<number, InstallationOctokit>();
  // Octokit takes a fetch but no timeout: the fetch it is given carries one.
  const timedFetch = fetchWithTimeout(credentials.fetch ?? fetch, credentials.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS);
  return {
    forInstallation(installationId) {
      let octokit = byInstallation.get(installationId);
      if (!octokit) {
        octokit = new Octokit({
          baseUrl: credentials.apiUrl.replace(/\/+$/, ''),
          authStrategy: createAppAuth,
          auth: { appId: credentials.appId, privateKey: credentials.privateKey, installationId },
          userAgent: 'lfk-webhook-server',
          log: QUIET,
          request: { fetch: timedFetch },
        });
        byInstallation.set(installationId, octokit);
      }
      return octokit;
    },
  };
}

/** LFK_GITHUB_PRIVATE_KEY: the PEM itself (newlines may be written `\n`), or a path to it. */
export function readPrivateKey(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new Error(
      `LFK_GITHUB_PRIVATE_KEY is neither a PEM key nor a readable file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/**
 * GitHub's 404 and 401/403 do not heal by retrying (a removed installation, a repository gone, a
 * permission not granted): they fail the delivery for good, with the reason kept. A rate limit
 * (429, or 403 with Retry-After / no requests remaining) is retried no sooner than GitHub asked;
 * 5xx, timeouts and network errors are retried with backoff. Neither gives up: GitHub comes back,
 * and the delivery stays in the inbox until it does.
 */
export function classifyGithubError(error: unknown, what: string): never {
  if (isRequestError(error)) {
    const { status } = error;
    if (status === 429 || (status === 403 && isRateLimit(error))) {
      const wait = retryAfterMs(error.response?.headers ?? {}) ?? 60_000;
      throw new RetryLaterError(
        `GitHub rate-limited ${what} (${status}); retrying in ${Math.ceil(wait / 1000)} s`,
        wait,
      );
    }
    if (status === 404 || status === 401 || status === 410 || status === 422 || status === 403) {
      throw new PermanentError(`GitHub answered ${status} to ${what}: ${error.message.slice(0, 200)}`);
    }
    // Octokit reports a fetch that failed or timed out as status 500 with the cause in the message.
    throw new UnavailableError(`GitHub answered ${status} to ${what}: ${error.message.slice(0, 200)}`);
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    throw new UnavailableError(`GitHub did not answer ${what} in time`);
  }
  throw error;
}

interface RequestError extends Error {
  status: number;
  response?: { headers: Record<string, string | number | undefined> };
}

/** Octokit's RequestError (checked by shape: @octokit/request-error is not a direct dependency). */
export function isRequestError(error: unknown): error is RequestError {
  return (
    error instanceof Error && error.name === 'HttpError' && typeof (error as { status?: unknown }).status === 'number'
  );
}

function isRateLimit(error: RequestError): boolean {
  const headers = error.response?.headers ?? {};
  return String(headers['x-ratelimit-remaining']) === '0' || headers['retry-after'] !== undefined;
}
