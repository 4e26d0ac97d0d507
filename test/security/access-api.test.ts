// The /v1 access table (docs/key-service.md#authentication, #routes): every route the app serves
// has a row saying who may call it; every protected row is tried with no, wrong, revoked, expired
// and under-scoped credentials and with the other account's ids. A refused request changes nothing
// and no answer shows account B.
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../key-service/http/app.js';
import { createLogger } from '../../platform/logger.js';
import { DIALECTS } from '../support/databases.js';
import type { Harness } from '../support/harness.js';
import {
  BAD_CHECKSUM_KEY,
  expectError,
  unknownKey,
  useRouteHarness,
  type ApiClient,
  type ApiResponse,
} from '../support/http.js';
import { accessState, expectNothingOf, makeAccessFixture, TestClock, type AccessFixture } from './access-fixtures.js';

interface Call {
  path: string;
  body?: unknown;
}

interface ProtectedRow {
  /** `METHOD /path` as /openapi.json writes it. */
  route: string;
  scope: 'enrichment' | 'keys:manage';
  /** A valid request on A's own resources: only the credentials decide the answer. */
  own(f: AccessFixture): Call;
  /** The same request naming B's resource (routes with an id). */
  foreign?(f: AccessFixture): Call;
  /** Expected status of `own` with A's key (routes without an id): the answer must hold nothing of B. */
  ownStatus?: number;
}

const PROTECTED: ProtectedRow[] = [
  { route: 'GET /v1/usage', scope: 'enrichment', own: () => ({ path: '/v1/usage' }), ownStatus: 200 },
  {
    route: 'POST /v1/jobs',
    scope: 'enrichment',
    own: () => ({ path: '/v1/jobs', body: { file_url: 'https://alpha.example/new.csv' } }),
    ownStatus: 202,
  },
  {
    route: 'GET /v1/jobs/{id}',
    scope: 'enrichment',
    own: (f) => ({ path: `/v1/jobs/${f.jobA}` }),
    foreign: (f) => ({ path: `/v1/jobs/${f.jobB}` }),
  },
  { route: 'GET /v1/keys', scope: 'keys:manage', own: () => ({ path: '/v1/keys?limit=100' }), ownStatus: 200 },
  {
    route: 'POST /v1/keys',
    scope: 'keys:manage',
    own: () => ({ path: '/v1/keys', body: { name: 'Alpha new' } }),
    ownStatus: 201,
  },
  {
    route: 'GET /v1/keys/{id}',
    scope: 'keys:manage',
    own: (f) => ({ path: `/v1/keys/${f.targetA.id}` }),
    foreign: (f) => ({ path: `/v1/keys/${f.targetB.id}` }),
  },
  {
    route: 'POST /v1/keys/{id}/revoke',
    scope: 'keys:manage',
    own: (f) => ({ path: `/v1/keys/${f.targetA.id}/revoke`, body: { note: 'refused' } }),
    foreign: (f) => ({ path: `/v1/keys/${f.targetB.id}/revoke`, body: { note: 'cross-account' } }),
  },
  {
    route: 'POST /v1/keys/{id}/roll',
    scope: 'keys:manage',
    own: (f) => ({ path: `/v1/keys/${f.targetA.id}/roll`, body: { grace_period_hours: 0 } }),
    foreign: (f) => ({ path: `/v1/keys/${f.targetB.id}/roll`, body: { grace_period_hours: 0 } }),
  },
  { route: 'GET /v1/account', scope: 'keys:manage', own: () => ({ path: '/v1/account' }), ownStatus: 200 },
  {
    route: 'PATCH /v1/account',
    scope: 'keys:manage',
    own: () => ({ path: '/v1/account', body: { rotation_period_days: 60 } }),
    ownStatus: 200,
  },
  {
    route: 'GET /v1/audit-log',
    scope: 'keys:manage',
    own: () => ({ path: '/v1/audit-log?limit=100' }),
    ownStatus: 200,
  },
];

/** Routes anyone may call, and why. Each has its own test below. */
const PUBLIC: Record<string, string> = {
  'GET /healthz': 'liveness for load balancers; says nothing but "ok"',
  'GET /readyz': 'readiness (database reachable) for load balancers; no data',
  'GET /openapi.json': 'the published API description; no account data',
  'GET /metrics': 'not a key route: loopback clients, or LFK_METRICS_TOKEN (its own rule, tested below)',
  'POST /v1/exposures':
    'holding a key is the proof (docs/key-service.md#exposure-reports); hashes need LFK_SERVICE_TOKEN',
  'POST /v1/keys/verify': 'anyone holding a key may ask whether it is live; no side effect',
};

/** The credential cases every protected row runs: a name, the headers, the expected refusal. */
interface CredentialCase {
  name: string;
  headers(f: AccessFixture, row: ProtectedRow): Record<string, string>;
  status: number;
  code: string;
  /** Only on routes that take an id: B's key naming A's resource. */
  idRoutesOnly?: true;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const otherScope = (f: AccessFixture, row: ProtectedRow) =>
  row.scope === 'enrichment' ? f.a.manager.key : f.a.enrichment.key;

const CREDENTIAL_CASES: CredentialCase[] = [
  { name: 'no credentials', headers: () => ({}), status: 401, code: 'missing_api_key' },
  {
    name: 'a well-formed key never issued (Bearer)',
    headers: () => bearer(unknownKey()),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'a well-formed key never issued (X-API-Key)',
    headers: () => ({ 'x-api-key': unknownKey() }),
    status: 401,
    code: 'invalid_api_key',
  },
  { name: 'a key with a bad checksum', headers: () => bearer(BAD_CHECKSUM_KEY), status: 401, code: 'invalid_api_key' },
  {
    name: "A's live key under another scheme (Basic)",
    headers: (f) => ({ authorization: `Basic ${f.a.admin.key}` }),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: "A's key and B's key in the two headers",
    headers: (f) => ({ ...bearer(f.a.admin.key), 'x-api-key': f.b.admin.key }),
    status: 400,
    code: 'conflicting_credentials',
  },
  { name: 'a revoked key (both scopes)', headers: (f) => bearer(f.revoked.key), status: 401, code: 'invalid_api_key' },
  { name: 'an expired key (both scopes)', headers: (f) => bearer(f.expired.key), status: 401, code: 'invalid_api_key' },
  {
    name: 'a live key without the scope',
    headers: (f, row) => bearer(otherScope(f, row)),
    status: 403,
    code: 'insufficient_scope',
  },
  // Without an id, B's key acts on B's own data, which the cross-account rows cover from A's side.
  {
    name: "account B's live key with both scopes, naming A's id",
    headers: (f) => bearer(f.b.admin.key),
    status: 404,
    code: 'not_found',
    idRoutesOnly: true,
  },
];

const casesFor = (row: ProtectedRow) => CREDENTIAL_CASES.filter((c) => !c.idRoutesOnly || row.foreign);

function methodOf(route: string): string {
  return route.split(' ')[0]!;
}

async function send(
  api: ApiClient,
  row: ProtectedRow,
  call: Call,
  headers: Record<string, string>,
): Promise<ApiResponse> {
  return api.call(methodOf(row.route), call.path, { ...(call.body === undefined ? {} : { body: call.body }), headers });
}

/** Every route of the app as `METHOD /path`: from the router and from /openapi.json. */
async function servedRoutes(h: Harness): Promise<Set<string>> {
  const routes = new Set<string>();
  for (const { method, path } of h.app.routes) {
    if (method === 'ALL') continue;
    routes.add(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  const document = (await (await h.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

describe.each(DIALECTS)('/v1 access table on %s', (dialect) => {
  let h!: Harness;
  let api!: ApiClient;
  let f!: AccessFixture;
  const clock = new TestClock();
  useRouteHarness(
    dialect,
    { service: { now: clock.now }, api: { authFailureLimit: 1e6, keyRateLimit: 1e6, reportRateLimit: 1e6 } },
    async (made) => {
      ({ h, api } = made);
      f = await makeAccessFixture(h, clock, async (key) => {
        expect((await api.get('/v1/keys', key)).status).toBe(200);
      });
    },
  );

  it('has a row for every route the app serves, and no row for a route it does not serve', async () => {
    const served = await servedRoutes(h);
    const rows = new Set([...PROTECTED.map((row) => row.route), ...Object.keys(PUBLIC)]);
    expect([...served].filter((route) => !rows.has(route)).sort(), 'routes without an access row').toEqual([]);
    expect([...rows].filter((route) => !served.has(route)).sort(), 'rows for routes the app does not serve').toEqual(
      [],
    );
  });

  describe.each(PROTECTED)('$route', (row) => {
    it.each(casesFor(row))('refuses $name, changing nothing and showing nothing of B', async (credentials) => {
      const before = await accessState(h);
      const response = await send(api, row, row.own(f), credentials.headers(f, row));
      expectError(response, credentials.status, credentials.code);
      expect(await accessState(h)).toEqual(before);
      expectNothingOf(
        credentials.idRoutesOnly ? [] : f.secretsOfB,
        response.text,
        `${row.route} with ${credentials.name}`,
      );
    });

    if (row.foreign) {
      it("answers 404 not_found (never 403) to A's keys naming B's id, changing nothing", async () => {
        for (const key of [f.a.admin.key, row.scope === 'enrichment' ? f.a.enrichment.key : f.a.manager.key]) {
          const before = await accessState(h);
          const response = await send(api, row, row.foreign!(f), bearer(key));
          expectError(response, 404, 'not_found');
          expect(await accessState(h)).toEqual(before);
          expectNothingOf(f.secretsOfB, response.text, `${row.route} naming B's id`);
        }
      });
    } else {
      it("answers A's own request with A's data only, leaving B's rows as they were", async () => {
        const rowsOfB = async () => {
          const state = await accessState(h);
          return {
            accounts: state.accounts.filter((r) => r.id === f.b.accountId),
            keys: state.keys.filter((r) => r.account_id === f.b.accountId),
            events: state.events.filter((r) => r.account_id === f.b.accountId),
            jobs: state.jobs.filter((r) => r.account_id === f.b.accountId),
          };
        };
        const before = await rowsOfB();
        const response = await send(api, row, row.own(f), bearer(f.a.admin.key));
        expect(response.status, response.text).toBe(row.ownStatus);
        expect(await rowsOfB()).toEqual(before);
        expectNothingOf(f.secretsOfB, response.text, `${row.route} for A`);
      });
    }
  });

  describe('public routes', () => {
    it('GET /healthz and GET /readyz answer anyone with a status and nothing else', async () => {
      expect((await api.get('/healthz')).body).toEqual({ status: 'ok' });
      expect((await api.get('/readyz')).body).toEqual({ status: 'ok', database: dialect });
    });

    it('GET /openapi.json answers anyone and holds no account data', async () => {
      const response = await api.get('/openapi.json');
      expect(response.status).toBe(200);
      expectNothingOf([...f.secretsOfB, f.a.accountId, f.a.admin.id], response.text, 'openapi.json');
    });

    it('POST /v1/exposures without credentials: a key never issued changes nothing; hashes need the service token', async () => {
      const before = await accessState(h);
      const unknown = await api.post('/v1/exposures', {
        keys: [unknownKey(), BAD_CHECKSUM_KEY],
        source: { kind: 'other' },
      });
      expect(unknown.body.results.map((r: { status: string }) => r.status)).toEqual(['unknown', 'invalid']);
      const hashes = await api.post('/v1/exposures', {
        hmsl_hashes: ['0'.repeat(64)],
        source: { kind: 'gitguardian' },
      });
      expectError(hashes, 401, 'unauthenticated');
      const withBKey = await api.post('/v1/exposures', { sha256s: ['0'.repeat(64)] }, f.b.admin.key);
      expectError(withBKey, 401, 'unauthenticated');
      expect(await accessState(h)).toEqual(before);
    });

    it("POST /v1/keys/verify tells a key's holder its status and nothing of its account", async () => {
      const before = await accessState(h);
      const response = await api.post('/v1/keys/verify', { keys: [f.b.admin.key, f.revoked.key, unknownKey()] });
      expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['active', 'revoked', 'unknown']);
      expect(Object.keys(response.body.results[0]).sort()).toEqual(['display', 'sha256', 'status']);
      expectNothingOf([f.b.accountId, f.b.admin.id, 'Bravo', f.b.admin.key], response.text, 'verify');
      expect(await accessState(h)).toEqual(before);
    });

    it('GET /metrics: refused off loopback without a token; with LFK_METRICS_TOKEN only that token reads it', async () => {
      // app.request has no socket: the app sees a client that is not loopback.
      expectError(await api.get('/metrics'), 403, 'forbidden');
      expectError(await api.get('/metrics', f.a.admin.key), 403, 'forbidden');
      const tokenApp = createApiApp({
        service: h.service,
        logger: createLogger('error', () => undefined),
        metricsToken: 'metrics-token-0123456789',
      });
      const read = async (headers: Record<string, string>) => tokenApp.request('/metrics', { headers });
      for (const wrong of [{}, bearer(f.a.admin.key), bearer('metrics-token-wrong')]) {
        const response = await read(wrong);
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      }
      const allowed = await read(bearer('metrics-token-0123456789'));
      expect(allowed.status).toBe(200);
      expectNothingOf(f.secretsOfB, await allowed.text(), 'metrics');
    });
  });
});
