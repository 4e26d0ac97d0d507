// Settings come from the environment, then from a `.env` file in the current directory (the
// environment wins over it; a command-line flag wins over both): README.md#settings.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { UsageError } from './command.js';
import {
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_BACKFILL_CONCURRENCY,
  DEFAULT_BACKFILL_LEASE_MS,
  DEFAULT_KEY_RATE_LIMIT,
  DEFAULT_POOL_SIZE,
  DEFAULT_REPORT_RATE_LIMIT,
} from '../platform/defaults.js';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS, type LogLevel } from '../platform/logger.js';
import { DEFAULT_OUTBOUND_TIMEOUT_MS } from '../platform/outbound/timeouts.js';
import type { WebhookSettings } from '../webhook-server/webhook-server.js';

export type Environment = Record<string, string | undefined>;

/** The environment with `.env` from `cwd` filled in underneath it. */
export function loadEnvironment(env: Environment = process.env, cwd = process.cwd()): Environment {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return env;
  let fromFile: Record<string, string>;
  try {
    fromFile = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return { ...fromFile, ...env };
}

export interface ServerSettings {
  databaseUrl: string;
  port: number;
  host: string;
  publicUrl: string;
  logLevel: LogLevel;
  serviceToken: string | undefined;
  metricsToken: string | undefined;
  trustProxy: boolean;
  reportRateLimit: number;
  /** Requests a second one key may make on one instance (LFK_KEY_RATE_LIMIT). */
  keyRateLimit: number;
  /** Failed authentications a minute from one address before its unknown keys get 429 (LFK_AUTH_FAILURE_LIMIT). */
  authFailureLimit: number;
  /** How long any outbound call (GitHub, GitGuardian, SMTP, notification URLs) may take (LFK_OUTBOUND_TIMEOUT_MS). */
  outboundTimeoutMs: number;
  /** Notification URLs may point inside the network (LFK_ALLOW_PRIVATE_URLS=1). */
  allowPrivateUrls: boolean;
  poolSize: number;
  /** Webhook receivers and owner notices (docs/webhooks.md#settings). */
  webhooks: WebhookSettings;
  /** A key service running apart (LFK_KEY_SERVICE_URL): the webhook handlers report to it over HTTP. */
  keyServiceUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return parsed;
}

export function databaseUrlOf(env: Environment): string {
  return env.LFK_DATABASE_URL || 'sqlite:./lfk.db';
}

/** LFK_GITHUB_API_URL (GitHub Enterprise's `https://HOST/api/v3`), without a trailing slash. */
export function githubApiUrlOf(env: Environment): string {
  return (env.LFK_GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

export function serverSettings(
  env: Environment,
  flags: { port?: string | undefined; host?: string | undefined } = {},
): ServerSettings {
  const port = integer('--port / LFK_PORT', flags.port ?? env.LFK_PORT, 8080, 0, 65535);
  const host = flags.host ?? env.LFK_HOST ?? '127.0.0.1';
  const logLevel = (env.LFK_LOG_LEVEL ?? DEFAULT_LOG_LEVEL) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`LFK_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const outboundTimeoutMs = integer(
    'LFK_OUTBOUND_TIMEOUT_MS',
    env.LFK_OUTBOUND_TIMEOUT_MS,
    DEFAULT_OUTBOUND_TIMEOUT_MS,
    1,
    600_000,
  );
  const trustProxy = env.LFK_TRUST_PROXY === '1' || env.LFK_TRUST_PROXY === 'true';
  const reportRateLimit = integer(
    'LFK_REPORT_RATE_LIMIT',
    env.LFK_REPORT_RATE_LIMIT,
    DEFAULT_REPORT_RATE_LIMIT,
    1,
    1_000_000,
  );
  return {
    databaseUrl: databaseUrlOf(env),
    port,
    host,
    publicUrl: (env.LFK_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    logLevel,
    serviceToken: env.LFK_SERVICE_TOKEN || undefined,
    metricsToken: env.LFK_METRICS_TOKEN || undefined,
    trustProxy,
    reportRateLimit,
    keyRateLimit: integer('LFK_KEY_RATE_LIMIT', env.LFK_KEY_RATE_LIMIT, DEFAULT_KEY_RATE_LIMIT, 1, 1_000_000),
    authFailureLimit: integer(
      'LFK_AUTH_FAILURE_LIMIT',
      env.LFK_AUTH_FAILURE_LIMIT,
      DEFAULT_AUTH_FAILURE_LIMIT,
      1,
      1_000_000,
    ),
    outboundTimeoutMs,
    allowPrivateUrls: env.LFK_ALLOW_PRIVATE_URLS === '1' || env.LFK_ALLOW_PRIVATE_URLS === 'true',
    poolSize: integer('LFK_DATABASE_POOL_SIZE', env.LFK_DATABASE_POOL_SIZE, DEFAULT_POOL_SIZE, 1, 1000),
    webhooks: {
      githubApiUrl: githubApiUrlOf(env),
      githubAppId: env.LFK_GITHUB_APP_ID || undefined,
      githubPrivateKey: env.LFK_GITHUB_PRIVATE_KEY || undefined,
      githubWebhookSecret: env.LFK_GITHUB_WEBHOOK_SECRET || undefined,
      gitguardianWebhookSecret: env.LFK_GITGUARDIAN_WEBHOOK_SECRET || undefined,
      gitguardianApiUrl: (env.LFK_GITGUARDIAN_API_URL || 'https://api.gitguardian.com').replace(/\/+$/, ''),
      gitguardianApiToken: env.LFK_GITGUARDIAN_API_TOKEN || undefined,
      gitlabPublicKeysUrl: env.LFK_GITLAB_PUBLIC_KEYS_URL || undefined,
      gitlabRevocationToken: env.LFK_GITLAB_REVOCATION_TOKEN || undefined,
      inboxStartDelayMs: integer('LFK_INBOX_START_DELAY_MS', env.LFK_INBOX_START_DELAY_MS, 0, 0, 3_600_000),
      backfillConcurrency: integer(
        'LFK_BACKFILL_CONCURRENCY',
        env.LFK_BACKFILL_CONCURRENCY,
        DEFAULT_BACKFILL_CONCURRENCY,
        1,
        64,
      ),
      backfillLeaseMs: integer(
        'LFK_BACKFILL_LEASE_MS',
        env.LFK_BACKFILL_LEASE_MS,
        DEFAULT_BACKFILL_LEASE_MS,
        1000,
        3_600_000,
      ),
      outboundTimeoutMs,
      reportRateLimit,
      trustProxy,
    },
    keyServiceUrl: env.LFK_KEY_SERVICE_URL || undefined,
    smtpUrl: env.LFK_SMTP_URL || undefined,
    mailFrom: env.LFK_MAIL_FROM || undefined,
  };
}
