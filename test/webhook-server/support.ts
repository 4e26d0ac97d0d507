// A key service plus the webhook server on a test database, with signing helpers for the three
// providers and helpers to read what the inbox and the outbox hold.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import nock from 'nock';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { inProcessReporter, type ExposureReporter } from '../../key-service/exposure-reporter.js';
import { hmslHashSync } from '../../platform/hmsl-hash.js';
import type { Dialect } from '../../platform/database/database.js';
import { createHarness, type Harness } from '../support/harness.js';
import { eventsOf, keysIn } from '../support/http.js';
import { captureErrorAnswers, captureText } from '../support/leak-capture.js';
import { signGithubApp } from '../../webhook-server/verify-github-app.js';
import { APP_PRIVATE_KEY, APP_SECRET, GG_SECRET, pushPayload } from './signing.js';
import { createWebhookServer, type WebhookServer, type WebhookSettings } from '../../webhook-server/webhook-server.js';

// nock 15 runs on @mswjs/interceptors 0.44, which calls Promise.withResolvers (Node 22) when a
// request connects; Node 20 lacks it. The standard polyfill, for the tests only.
(Promise as unknown as { withResolvers?: unknown }).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
};

// What lfk sends the (nock-faked) GitHub and GitGuardian APIs — check runs, comments, reports —
// goes to the leak check too: the hosts below are only ever called by lfk, never by a test.
const fetchBeforeCapture = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if ((url.startsWith(GITHUB_API) || url.startsWith(GITGUARDIAN_API)) && typeof init?.body === 'string') {
    captureText('notice', `${init.method ?? 'GET'} ${url}`, init.body);
  }
  return fetchBeforeCapture(input, init);
};

// The package is CommonJS JSON; NodeNext types its default import as the module, so require it.
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

export const GITHUB_API = 'https://github-api.test';
export const GITGUARDIAN_API = 'https://gitguardian-api.test';
// The signing helpers, for the tests that may load nock.
export * from './signing.js';
export const GG_TOKEN = 'gg-api-token-abcdef';

export interface WebhookHarness extends Harness {
  webhooks: WebhookServer;
  post(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string; body: any }>;
  /** Processes every due delivery now; returns how many. */
  drain(): Promise<number>;
  /** Makes every delivery due now (a failed one waits a minute, inboxBaseDelayMs below), to retry it. */
  retryNow(): Promise<void>;
  /**
   * Runs every due history scan now (docs/github-app.md#what-was-there-before-the-history-scan);
   * returns how many.
   */
  drainBackfill(): Promise<number>;
  backfillJobs(): Promise<
    Array<{
      repository: string;
      installation_id: string;
      status: string;
      attempts: number;
      result: any;
      last_error: string | null;
    }>
  >;
  deliveries(): Promise<
    Array<{
      provider: string;
      event: string;
      status: string;
      attempts: number;
      result: unknown;
      last_error: string | null;
      payload: string;
    }>
  >;
}

export async function createWebhookHarness(
  dialect: Dialect,
  options: { settings?: Partial<WebhookSettings>; reporter?: (h: Harness) => ExposureReporter } = {},
): Promise<WebhookHarness> {
  // The test receivers of notices listen on the loopback: the service lets such a URL be saved.
  const h = await createHarness(dialect, { service: { allowPrivateUrls: true } });
  const webhooks = createWebhookServer({
    store: h.store,
    logger: {
      debug() {},
      info: (m, f) => h.logs.push(JSON.stringify({ m, ...f })),
      warn: (m, f) => h.logs.push(JSON.stringify({ m, ...f })),
      error: (m, f) => h.logs.push(JSON.stringify({ m, ...f })),
    },
    reporter: options.reporter ? options.reporter(h) : inProcessReporter(h.service),
    settings: {
      githubApiUrl: GITHUB_API,
      githubAppId: '12345',
      githubPrivateKey: APP_PRIVATE_KEY,
      githubWebhookSecret: APP_SECRET,
      gitguardianWebhookSecret: GG_SECRET,
      gitguardianApiUrl: GITGUARDIAN_API,
      gitguardianApiToken: GG_TOKEN,
      // A failed delivery waits a minute: drain() then sees it once; tests move next_attempt_at to retry.
      inboxBaseDelayMs: 60_000,
      githubKeysRefetchMs: 0,
      ...options.settings,
    },
  });
  const harness = h as WebhookHarness;
  captureErrorAnswers(webhooks.app);
  harness.webhooks = webhooks;
  harness.post = async (path, body, headers) => {
    const response = await webhooks.app.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, text, body: parsed };
  };
  harness.drain = () => webhooks.worker.drain();
  harness.retryNow = async () => {
    await h.store.db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date().toISOString() }).execute();
  };
  harness.drainBackfill = () => webhooks.backfill.drain();
  harness.backfillJobs = async () =>
    (await h.store.db.selectFrom('github_backfill_jobs').selectAll().orderBy('id').execute()).map((row) => ({
      ...row,
      attempts: Number(row.attempts),
      result: row.result ? JSON.parse(row.result) : null,
    }));
  harness.deliveries = async () =>
    (await h.store.db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute()).map((row) => ({
      ...row,
      attempts: Number(row.attempts),
      result: row.result ? JSON.parse(row.result) : null,
    }));
  return harness;
}

export function githubHeaders(
  event: string,
  body: string,
  delivery: string = crypto.randomUUID(),
  secret = APP_SECRET,
): Record<string, string> {
  return {
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': signGithubApp(body, secret),
    'user-agent': 'GitHub-Hookshot/abc123',
  };
}

/** GitGuardian's webhook body for a new incident about `key` (which it names by its HMSL hash). */
export function incidentBody(key: string, id = 77): string {
  return JSON.stringify({ action: 'incident_triggered', incident: { id, hmsl_hash: hmslHashSync(key) } });
}

export function installationPayload(action: string): any {
  const definition = examples.find((entry) => entry.name === 'installation')!;
  return structuredClone(definition.examples.find((example: any) => example.action === action));
}

export function installationRepositoriesPayload(action: 'added' | 'removed'): any {
  const definition = examples.find((entry) => entry.name === 'installation_repositories')!;
  return structuredClone(definition.examples.find((example: any) => example.action === action));
}

/**
 * `secret_scanning_alert` as GitHub's webhook schema describes it (docs/reference/github.md §2.4):
 * no secret in it.
 */
export function alertPayload(action: string, number = 42): any {
  const push = pushPayload();
  return {
    action,
    alert: {
      number,
      created_at: '2026-11-27T07:00:00Z',
      updated_at: '2026-11-27T07:00:00Z',
      url: `${GITHUB_API}/repos/Codertocat/Hello-World/secret-scanning/alerts/${number}`,
      html_url: `https://github.com/Codertocat/Hello-World/security/secret-scanning/${number}`,
      locations_url: `${GITHUB_API}/repos/Codertocat/Hello-World/secret-scanning/alerts/${number}/locations`,
      resolution: null,
      resolved_at: null,
      resolved_by: null,
      resolution_comment: null,
      secret_type: 'trustleads_api_key',
      secret_type_display_name: 'Trust Leads API key',
      validity: 'unknown',
      push_protection_bypassed: false,
      publicly_leaked: action === 'publicly_leaked',
      multi_repo: false,
    },
    repository: push.repository,
    sender: push.sender,
    installation: push.installation,
  };
}

/** Installation token exchange for the App (any installation id), as often as asked. */
export function nockInstallationToken(installationId: number) {
  return nock(GITHUB_API)
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, {
      token: 'ghs_installationtoken0123456789abcdefghij',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      permissions: {},
    });
}

export function expectNoKeysIn(texts: string[]): void {
  for (const text of texts) expect(keysIn(text), text.slice(0, 200)).toEqual([]);
}

/** No full key in the harness's log lines or in the data of any audit event. */
export async function expectNoKeysLoggedOrAudited(h: Harness): Promise<void> {
  const audited = await h.store.db.selectFrom('audit_events').select('data').execute();
  expectNoKeysIn([...h.logs, ...audited.map((row) => row.data)]);
}

/** What a receiver answers when a setting it needs is unset: 503 not_configured, naming the variable. */
export function expectNotConfigured(response: { status: number; body: any }, variable: string): void {
  expect(response.status).toBe(503);
  expect(response.body.error).toMatchObject({ code: 'not_configured', message: expect.stringContaining(variable) });
}

/** The first stored delivery is `status` after `attempts` tries, its last error naming `error`. */
export async function expectFirstDelivery(
  h: WebhookHarness,
  status: 'pending' | 'failed',
  attempts: number,
  error: string,
): Promise<void> {
  expect((await h.deliveries())[0]).toMatchObject({ status, attempts, last_error: expect.stringContaining(error) });
}

/** A request sent twice: the worker processes one delivery, and the account has one key.exposed. */
export async function expectProcessedOnce(h: WebhookHarness, accountId: string): Promise<void> {
  expect(await h.drain()).toBe(1);
  expect(await h.deliveries()).toHaveLength(1);
  expect(await eventsOf(h, accountId, 'key.exposed')).toHaveLength(1);
}

/** No network but loopback for the whole file: no test reaches the real network. */
export function useNoNetwork(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterAll(() => nock.enableNetConnect());
}

/** A fresh harness for every test, with nock's leftovers cleared; `use` receives each new one. */
export function useWebhookHarness(
  dialect: Dialect,
  use: (h: WebhookHarness) => void,
  options: Parameters<typeof createWebhookHarness>[1] = {},
): void {
  let current: WebhookHarness | undefined;
  beforeEach(async () => {
    current = await createWebhookHarness(dialect, options);
    use(current);
  });
  afterEach(async () => {
    nock.cleanAll();
    await current?.close();
  });
}
