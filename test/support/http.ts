// In-process HTTP calls for the route suites. Every response is checked for what
// docs/key-service.md#errors-and-limits promises of all of them (an `X-Request-Id`, equal to the
// error body's `request_id`; `no-store` on /v1) and kept, so a suite can assert at its end that no
// full key ever left except where allowed.
import { afterAll, beforeAll, expect } from 'vitest';
import { generateKey } from '../../platform/key-format.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import type { Dialect } from '../../platform/database/database.js';
import { createHarness, type Harness } from './harness.js';

export type Tenant = Awaited<ReturnType<Harness['createTenant']>>;

export interface ApiResponse {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string | undefined;
  /** JSON-encoded unless a string (sent as is); `content-type: application/json` unless overridden. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Any string of the key's shape, whatever its checksum. */
const KEY_SHAPED = /(?<![0-9A-Za-z])lfk_sk_[0-9A-Za-z]{40}(?![0-9A-Za-z])/g;

export function keysIn(text: string): string[] {
  return text.match(KEY_SHAPED) ?? [];
}

export class ApiClient {
  readonly seen: ApiResponse[] = [];

  constructor(private readonly harness: Pick<Harness, 'app'>) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    Object.assign(headers, options.headers);
    const response = await this.harness.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown;
    if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    const result: ApiResponse = {
      method,
      path,
      status: response.status,
      headers: response.headers,
      text,
      body: parsed,
    };
    this.seen.push(result);
    checkCommonHeaders(result);
    return result;
  }

  get(path: string, key?: string, headers?: Record<string, string>) {
    return this.call('GET', path, { key, ...(headers ? { headers } : {}) });
  }

  post(path: string, body: unknown, key?: string, headers?: Record<string, string>) {
    return this.call('POST', path, { key, body, ...(headers ? { headers } : {}) });
  }

  patch(path: string, body: unknown, key?: string, headers?: Record<string, string>) {
    return this.call('PATCH', path, { key, body, ...(headers ? { headers } : {}) });
  }
}

function checkCommonHeaders(response: ApiResponse): void {
  const where = `${response.method} ${response.path} → ${response.status}`;
  const requestId = response.headers.get('x-request-id');
  expect(requestId, `X-Request-Id on ${where}`).toMatch(/^[\w\-=]{8,}$/);
  if (response.status >= 400) {
    expect(response.body, `error body on ${where}`).toEqual({
      error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), request_id: requestId },
    });
  }
  if (response.path.startsWith('/v1/'))
    expect(response.headers.get('cache-control'), `Cache-Control on ${where}`).toBe('no-store');
}

/** Asserts an error answer: status, code, and `WWW-Authenticate: Bearer` on every 401. */
export function expectError(response: ApiResponse, status: number, code: string, message?: string | RegExp): void {
  expect({ status: response.status, code: response.body?.error?.code }, response.text).toEqual({ status, code });
  if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer');
  if (typeof message === 'string') expect(response.body.error.message).toBe(message);
  else if (message) expect(response.body.error.message).toMatch(message);
}

export function expectStatus(response: ApiResponse, status: number): void {
  expect(response.status, `${response.method} ${response.path}: ${response.text}`).toBe(status);
}

/**
 * No response body and no log line holds a full key, except the one creation or roll answer that
 * returns it (in its `key` field, once).
 */
export function expectNoKeyLeaks(client: ApiClient, logs: string[]): void {
  const returned = new Set<string>();
  for (const response of client.seen) {
    const found = keysIn(response.text);
    if (found.length === 0) continue;
    const issuing =
      response.method === 'POST' && response.status === 201 && /^\/v1\/keys(\/[^/]+\/roll)?$/.test(response.path);
    expect(issuing, `full key in ${response.method} ${response.path} → ${response.status}`).toBe(true);
    expect(found).toEqual([response.body.key]);
    expect(returned.has(response.body.key), 'a key returned twice').toBe(false);
    returned.add(response.body.key);
  }
  for (const line of logs) expect(keysIn(line), `full key in log line ${line}`).toEqual([]);
}

/** Every row of the tables a request could change, for "a refused request changes nothing". */
export async function databaseState(h: Pick<Harness, 'store'>) {
  const db = h.store.db;
  const [accounts, keys, events, jobs] = await Promise.all([
    db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    db.selectFrom('api_keys').selectAll().orderBy('id').execute(),
    db.selectFrom('audit_events').selectAll().orderBy('id').execute(),
    db.selectFrom('jobs').selectAll().orderBy('id').execute(),
  ]);
  return { accounts, keys, events, jobs };
}

/** Runs `refused` and asserts the database is exactly as it was. */
export async function expectNoChange<T>(h: Pick<Harness, 'store'>, refused: () => Promise<T>): Promise<T> {
  const before = await databaseState(h);
  const result = await refused();
  expect(await databaseState(h)).toEqual(before);
  return result;
}

export async function eventsOf(h: Pick<Harness, 'store'>, accountId: string, type?: string) {
  let query = h.store.db.selectFrom('audit_events').selectAll().where('account_id', '=', accountId);
  if (type) query = query.where('type', '=', type);
  return query.orderBy('id').execute();
}

export async function keyRow(h: Pick<Harness, 'store'>, keyId: string) {
  return h.store.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
}

/** Marks a key expired in the database (as if its `expires_at` had passed). */
export async function expireKey(h: Pick<Harness, 'store' | 'service'>, key: CreatedKey): Promise<void> {
  await h.store.db
    .updateTable('api_keys')
    .set({ expires_at: '2001-01-01T00:00:00.000Z' })
    .where('id', '=', key.id)
    .execute();
  h.service.forgetCachedKeys();
}

/** A well-formed key that was never issued. */
export function unknownKey(): string {
  return generateKey();
}

/** A key-shaped string with a wrong checksum (docs/key-service.md#key-format's example). */
export const BAD_CHECKSUM_KEY = 'lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0';

/** The key object's fields (docs/key-service.md#routes). */
export function expectKeyObject(object: Record<string, unknown>, fields: Partial<Record<string, unknown>> = {}): void {
  expect(
    Object.keys(object)
      .filter((name) => name !== 'key')
      .sort(),
  ).toEqual(
    [
      'id',
      'name',
      'prefix',
      'last4',
      'display',
      'scopes',
      'status',
      'created_at',
      'created_by',
      'last_used_at',
      'expires_at',
      'rotation_due_at',
      'rotation_overdue',
      'revoked_at',
      'revoked_reason',
    ].sort(),
  );
  expect(object).toMatchObject({
    id: expect.stringMatching(/^key_[0-9A-Za-z]{22}$/),
    prefix: expect.stringMatching(/^lfk_sk_[0-9A-Za-z]{4}$/),
    last4: expect.stringMatching(/^[0-9A-Za-z]{4}$/),
    display: `${object.prefix as string}…${object.last4 as string}`,
    created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    rotation_due_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    ...fields,
  });
}

/**
 * One harness and client for a describe block: made before its tests (then `ready` runs, to take
 * them and make fixtures), and at the end checked for leaked keys and closed.
 */
export function useRouteHarness(
  dialect: Dialect,
  options: Parameters<typeof createHarness>[1],
  ready: (made: { h: Harness; api: ApiClient }) => void | Promise<void>,
): void {
  let made: { h: Harness; api: ApiClient } | undefined;
  beforeAll(async () => {
    const h = await createHarness(dialect, options);
    made = { h, api: new ApiClient(h) };
    await ready(made);
  });
  afterAll(async () => {
    if (!made) return;
    expectNoKeyLeaks(made.api, made.h.logs);
    await made.h.close();
  });
}

/** A route test's usual fixture: the harness and client, a tenant to act as, and a stranger it must not reach. */
export interface RouteTenants {
  h: Harness;
  api: ApiClient;
  tenant: Tenant;
  stranger: Tenant;
}

/** useRouteHarness (default options) with the two tenants made up front, in that order. */
export function useRouteTenants(dialect: Dialect, ready: (made: RouteTenants) => void): void {
  useRouteHarness(dialect, {}, async ({ h, api }) => {
    const tenant = await h.createTenant();
    ready({ h, api, tenant, stranger: await h.createTenant() });
  });
}
