// Composes the webhook server: the receivers (verify, store) and the inbox worker (dispatch,
// handle). `lfk serve` mounts `app` beside the key service and starts/stops `worker` with itself.
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import type { ExposureReporter } from '../key-service/exposure-reporter.js';
import { handleError, usableRequestId } from '../platform/http/error-answer.js';
import { requestIdOf } from '../platform/http/request-slot.js';
import type { Logger } from '../platform/logger.js';
import { QueueWorker } from '../platform/queue/queue-worker.js';
import type { Store } from '../platform/database/database.js';
import { loadBuiltinRuleSet } from '../rules/load.js';
import { createFinder } from '../scanner/finder.js';
import { createGithubApps, readPrivateKey, type GithubApps } from './github/client.js';
import { runBackfill } from './backfill/run-backfill.js';
import { handleDelivery } from './handlers/dispatch.js';
import type { HandlerDeps, ScanRules } from './handlers/deps.js';
import { githubAppReceiver } from './receivers/github-app.js';
import { githubPartnerReceiver } from './receivers/github-partner.js';
import { gitguardianReceiver } from './receivers/gitguardian.js';
import { BodyBudget, refuse } from './receivers/shared.js';
import { RateLimiter } from '../platform/http/rate-limit.js';
import {
  DEFAULT_BACKFILL_CONCURRENCY,
  DEFAULT_BACKFILL_LEASE_MS,
  DEFAULT_REPORT_RATE_LIMIT,
} from '../platform/defaults.js';
import {
  gitlabPartnerReceiver,
  gitlabRevokeTokensReceiver,
  gitlabTokenTypesReceiver,
  revocableTokenTypes,
} from './receivers/gitlab.js';
import { PartnerKeyCache } from './verify-partner.js';

export interface WebhookSettings {
  githubApiUrl: string;
  githubAppId?: string | undefined;
  /** PEM text or a path to it. */
  githubPrivateKey?: string | undefined;
  githubWebhookSecret?: string | undefined;
  gitguardianWebhookSecret?: string | undefined;
  gitguardianApiUrl: string;
  gitguardianApiToken?: string | undefined;
  /** LFK_GITLAB_PUBLIC_KEYS_URL: GitLab's partner-program public keys (GitLab gives the URL to partners). */
  gitlabPublicKeysUrl?: string | undefined;
  /** LFK_GITLAB_REVOCATION_TOKEN: what a GitLab Self-Managed instance sends as `Authorization`. */
  gitlabRevocationToken?: string | undefined;
  /** LFK_REPORT_RATE_LIMIT: requests a minute per address to the Token Revocation API (default 60). */
  reportRateLimit?: number;
  /** LFK_TRUST_PROXY: the client address is the last X-Forwarded-For hop. */
  trustProxy?: boolean;
  /** LFK_INBOX_START_DELAY_MS: the worker waits this long after start before its first claim. */
  inboxStartDelayMs?: number;
  inboxPollMs?: number;
  inboxBaseDelayMs?: number;
  /** How often an unknown partner key id may refetch GitHub's keys (default 1 s). */
  githubKeysRefetchMs?: number;
  /** LFK_OUTBOUND_TIMEOUT_MS: each call to GitHub or GitGuardian gives up after this long. */
  outboundTimeoutMs?: number;
  /** Bytes of not yet verified webhook bodies held at once across the receivers (default 64 MiB). */
  maxUnverifiedBodyBytes?: number;
  /** LFK_BACKFILL_CONCURRENCY: repositories whose history this instance scans at once (default 2). */
  backfillConcurrency?: number;
  backfillPollMs?: number;
  /** LFK_BACKFILL_LEASE_MS: how long after an instance stops renewing its job another may take it (default 2 min). */
  backfillLeaseMs?: number;
}

export interface WebhookServerOptions {
  store: Store;
  logger: Logger;
  reporter: ExposureReporter;
  settings: WebhookSettings;
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface WebhookServer {
  app: Hono<{ Variables: { requestId: string } }>;
  worker: QueueWorker<'webhook_deliveries'>;
  /**
   * The GitHub App's history scans (docs/github-app.md#what-was-there-before-the-history-scan):
   * started and stopped with `worker`.
   */
  backfill: QueueWorker<'github_backfill_jobs'>;
  deps: HandlerDeps;
  /** What the receivers hold of bodies not verified yet (see BodyBudget). */
  bodies: BodyBudget;
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const { store, logger, reporter, settings } = options;
  const now = options.now ?? (() => new Date());
  const missingApp = [
    ...(settings.githubAppId ? [] : ['LFK_GITHUB_APP_ID']),
    ...(settings.githubPrivateKey ? [] : ['LFK_GITHUB_PRIVATE_KEY']),
  ];
  let github: GithubApps | undefined;
  if (missingApp.length === 0) {
    github = createGithubApps({
      apiUrl: settings.githubApiUrl,
      appId: settings.githubAppId!,
      privateKey: readPrivateKey(settings.githubPrivateKey!),
      ...(options.fetch && { fetch: options.fetch }),
      ...(settings.outboundTimeoutMs !== undefined && { timeoutMs: settings.outboundTimeoutMs }),
    });
  }
  let rules: ScanRules | undefined;
  const deps: HandlerDeps = {
    store,
    logger,
    reporter,
    github,
    gitguardian: {
      apiUrl: settings.gitguardianApiUrl,
      apiToken: settings.gitguardianApiToken,
      ...(options.fetch && { fetch: options.fetch }),
      ...(settings.outboundTimeoutMs !== undefined && { timeoutMs: settings.outboundTimeoutMs }),
    },
    rules() {
      if (!rules) {
        const ruleSet = loadBuiltinRuleSet();
        rules = {
          ruleSet,
          finder: createFinder(ruleSet),
          revocable: new Set(ruleSet.rules.filter((rule) => rule.revocable).map((rule) => rule.id)),
        };
      }
      return rules;
    },
    now,
  };
  const worker = new QueueWorker({
    store,
    table: 'webhook_deliveries',
    logger,
    handle: (row) => handleDelivery(row, deps),
    // One delivery at a time per worker, in arrival order: installation events must apply in order.
    // More throughput comes from more instances (claims are safe across them).
    concurrency: 1,
    ...(settings.inboxStartDelayMs !== undefined && { startDelayMs: settings.inboxStartDelayMs }),
    ...(settings.inboxPollMs !== undefined && { pollMs: settings.inboxPollMs }),
    ...(settings.inboxBaseDelayMs !== undefined && { baseDelayMs: settings.inboxBaseDelayMs }),
  });
  const backfill = new QueueWorker({
    store,
    table: 'github_backfill_jobs',
    logger,
    handle: (row) => runBackfill(row, deps),
    concurrency: settings.backfillConcurrency ?? DEFAULT_BACKFILL_CONCURRENCY,
    // A clone can be long: the lease is renewed while it runs, and a dead instance's rows are
    // taken over two minutes after it stopped renewing.
    leaseMs: settings.backfillLeaseMs ?? DEFAULT_BACKFILL_LEASE_MS,
    ...(settings.inboxStartDelayMs !== undefined && { startDelayMs: settings.inboxStartDelayMs }),
    ...(settings.backfillPollMs !== undefined && { pollMs: settings.backfillPollMs }),
    ...(settings.inboxBaseDelayMs !== undefined && { baseDelayMs: settings.inboxBaseDelayMs }),
  });
  deps.wakeBackfill = () => backfill.wake();
  // One budget for all receivers: what unsigned-so-far bodies may hold in memory at once.
  const bodies = new BodyBudget(settings.maxUnverifiedBodyBytes);
  const receiverDeps = { store, logger, onStored: () => worker.wake(), bodies };

  function partnerKeys(issuer: string, url: string): PartnerKeyCache {
    return new PartnerKeyCache({
      issuer,
      url,
      ...(settings.githubKeysRefetchMs !== undefined && { refetchIntervalMs: settings.githubKeysRefetchMs }),
      ...(settings.outboundTimeoutMs !== undefined && { timeoutMs: settings.outboundTimeoutMs }),
      ...(options.fetch && { fetch: options.fetch }),
    });
  }

  const app = new Hono<{ Variables: { requestId: string } }>();
  app.use('/webhooks/*', async (c, next) => {
    // Mounted in the key service's app the request has its id already; standalone it is set here.
    if (!requestIdOf(c)) {
      const sent = c.req.header('x-request-id');
      const id = usableRequestId(sent) ? sent : randomUUID();
      c.set('requestId', id);
      c.header('X-Request-Id', id);
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });
  // The webhook server's table of contents.
  app.post(
    '/webhooks/github/secret-scanning',
    githubPartnerReceiver({
      ...receiverDeps,
      reporter,
      keys: partnerKeys('GitHub', `${settings.githubApiUrl}/meta/public_keys/secret_scanning`),
    }),
  );
  app.post(
    '/webhooks/github',
    githubAppReceiver({ ...receiverDeps, webhookSecret: settings.githubWebhookSecret, missingSettings: missingApp }),
  );
  app.post(
    '/webhooks/gitguardian',
    gitguardianReceiver({ ...receiverDeps, webhookSecret: settings.gitguardianWebhookSecret }),
  );
  app.post(
    '/webhooks/gitlab/secret-detection',
    gitlabPartnerReceiver({
      ...receiverDeps,
      keys: settings.gitlabPublicKeysUrl ? partnerKeys('GitLab', settings.gitlabPublicKeysUrl) : undefined,
    }),
  );
  const revocation = {
    ...receiverDeps,
    token: settings.gitlabRevocationToken,
    types: revocableTokenTypes(deps.rules().ruleSet.rules),
    limiter: new RateLimiter(settings.reportRateLimit ?? DEFAULT_REPORT_RATE_LIMIT),
    trustProxy: settings.trustProxy ?? false,
  };
  app.get('/webhooks/gitlab/revocable_token_types', gitlabTokenTypesReceiver(revocation));
  app.post('/webhooks/gitlab/revoke_tokens', gitlabRevokeTokensReceiver(revocation));
  // Any other method on a receiver's path is 405 with the one it takes, as GitLab's API documents.
  for (const route of app.routes.filter((route) => route.method !== 'ALL' && route.path.startsWith('/webhooks/'))) {
    app.all(route.path, (c) =>
      refuse(c, 'method_not_allowed', `${c.req.method} is not allowed here; use ${route.method}.`, {
        Allow: route.method,
      }),
    );
  }
  app.onError(handleError(logger));
  return { app, worker, backfill, deps, bodies };
}
