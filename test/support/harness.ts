// One key service with its HTTP app on a test database, plus helpers to make accounts and keys.
import { createApiApp } from '../../key-service/http/app.js';
import type { ApiDeps } from '../../key-service/http/env.js';
import { createLogger } from '../../platform/logger.js';
import { openStore, type Dialect, type Store } from '../../platform/database/database.js';
import type { Plan } from '../../platform/vocabulary.js';
import { KeyService, type KeyServiceOptions } from '../../key-service/service/key-service.js';
import type { CreatedKey, Scope } from '../../key-service/service/types.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { captureErrorAnswers, captureText } from './leak-capture.js';

export interface Harness {
  database: TestDatabase;
  store: Store;
  service: KeyService;
  app: ReturnType<typeof createApiApp>;
  logs: string[];
  createAccount(plan?: Plan, name?: string): Promise<{ accountId: string; userId: string; email: string }>;
  createKey(
    accountId: string,
    options?: { name?: string; scopes?: Scope[]; expires_in_days?: number },
  ): Promise<CreatedKey>;
  /** A pro account (as `createAccount()`) with one key made by `createKey`, for tests about that one key. */
  createAccountWithKey(options?: Parameters<Harness['createKey']>[1]): Promise<{ accountId: string; key: CreatedKey }>;
  /** A pro account with one `keys:manage` key, one `enrichment` key and one `admin` key with both. */
  createTenant(): Promise<{ accountId: string; manager: CreatedKey; enrichment: CreatedKey; admin: CreatedKey }>;
  close(): Promise<void>;
}

/** The owner password of every account made straight through the service (the CLI's: cli.ts). */
const SERVICE_OWNER_PASSWORD = 'correct horse battery';

/** A pro account straight through the service (no harness), as tests that seed a database make it. */
export function createProAccount(service: KeyService, name: string, email: string) {
  return service.createAccount({ name, plan: 'pro', email, password: SERVICE_OWNER_PASSWORD });
}

/**
 * Writes an Acme owner account (owner@acme.test) straight to the database at `databaseUrl`, for an
 * `lfk serve` yet to start, its notices going to `notificationUrl`: saved by a service that allows
 * private addresses (as an older lfk, or one run with LFK_ALLOW_PRIVATE_URLS=1, might have stored
 * it). `seed` then makes its keys; the service and store are closed after.
 */
export async function seedAcme<T>(
  databaseUrl: string,
  notificationUrl: string,
  seed: (service: KeyService, accountId: string) => Promise<T>,
): Promise<{ seeded: T; notificationSecret: string | undefined }> {
  const store = await openStore(databaseUrl);
  const service = new KeyService(store, { allowPrivateUrls: true });
  try {
    const { account } = await createProAccount(service, 'Acme', 'owner@acme.test');
    const { notification_secret } = await service.updateAccount(
      account.id,
      { notification_url: notificationUrl },
      { actor: { type: 'system' } },
    );
    return { seeded: await seed(service, account.id), notificationSecret: notification_secret };
  } finally {
    await service.stop();
    await store.close();
  }
}

let accounts = 0;

export async function createHarness(
  dialect: Dialect,
  options: { service?: KeyServiceOptions; api?: Partial<ApiDeps> } = {},
): Promise<Harness> {
  const database = await createTestDatabase(dialect);
  const store = await database.open();
  const service = new KeyService(store, options.service);
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line));
  const app = captureErrorAnswers(createApiApp({ service, logger, ...options.api }));
  const harness: Harness = {
    database,
    store,
    service,
    app,
    logs,
    async createAccount(plan = 'pro', name = 'Acme') {
      accounts++;
      const email = `owner${accounts}-${Date.now()}@example.com`;
      const created = await service.createAccount({ name, plan, email, password: SERVICE_OWNER_PASSWORD });
      return { accountId: created.account.id, userId: created.user.id, email };
    },
    createKey(accountId, keyOptions = {}) {
      return service.createKey(
        accountId,
        { name: keyOptions.name ?? 'Test key', scopes: keyOptions.scopes, expires_in_days: keyOptions.expires_in_days },
        { actor: { type: 'system', id: 'test' } },
      );
    },
    async createAccountWithKey(keyOptions) {
      const { accountId } = await harness.createAccount();
      return { accountId, key: await harness.createKey(accountId, keyOptions) };
    },
    async createTenant() {
      const { accountId } = await harness.createAccount('pro');
      const manager = await harness.createKey(accountId, { name: 'Manager', scopes: ['keys:manage'] });
      const enrichment = await harness.createKey(accountId, { name: 'Enrichment', scopes: ['enrichment'] });
      const admin = await harness.createKey(accountId, { name: 'Admin', scopes: ['enrichment', 'keys:manage'] });
      return { accountId, manager, enrichment, admin };
    },
    async close() {
      captureForLeakCheck(harness);
      await service.stop();
      await store.close();
      await database.drop();
    },
  };
  return harness;
}

/** The harness's log lines, into the leak check (its database's rows go when it is dropped: databases.ts). */
function captureForLeakCheck(harness: Harness): void {
  captureText('log', `harness on ${harness.database.dialect}`, harness.logs.join('\n'));
}

/** JSON request helper for `app.request`. */
export function jsonRequest(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
