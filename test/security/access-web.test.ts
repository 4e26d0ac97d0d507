// The /app access table (docs/key-service.md#authentication, README.md#the-api-keys-page): every
// route of the web page has a row; each page and form behind sign-in is tried with no session, a
// forged one, a signed-out one, an expired one, without its CSRF token, with another session's
// token, from another site, and with account B's ids. The /v1 management routes, which also accept
// a session, get the session cases too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../key-service/http/app.js';
import { createLogger } from '../../platform/logger.js';
import { createWebApp, type WebApp } from '../../key-service/web/app.js';
import { DIALECTS } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';
import { captureErrorAnswers } from '../support/leak-capture.js';
import { WebClient, type PageResponse } from '../web/web-client.js';
import {
  accessState,
  DAY_MS,
  expectNothingOf,
  makeAccessFixture,
  TestClock,
  type AccessFixture,
} from './access-fixtures.js';

const PUBLIC_URL = 'http://127.0.0.1:8080';

interface SessionRow {
  /** `METHOD /path` as the router writes it. */
  route: string;
  /** A valid request on A's own data: only the session and the CSRF token decide the answer. */
  own(f: AccessFixture): { path: string; form?: Record<string, string> };
  /** The same request naming B's key (routes and dialogs that take a key id). */
  foreign?(f: AccessFixture): Array<{ path: string; form?: Record<string, string> }>;
}

const SESSION_ROWS: SessionRow[] = [
  {
    route: 'GET /app/api-keys',
    own: () => ({ path: '/app/api-keys' }),
    foreign: (f) =>
      ['dialog=revoke&key=', 'dialog=roll&key=', 'revoked='].map((query) => ({
        path: `/app/api-keys?${query}${f.targetB.id}`,
      })),
  },
  { route: 'POST /app/api-keys', own: () => ({ path: '/app/api-keys', form: { name: 'Alpha from the page' } }) },
  {
    route: 'POST /app/api-keys/:id/revoke',
    own: (f) => ({ path: `/app/api-keys/${f.targetA.id}/revoke`, form: { note: 'refused' } }),
    foreign: (f) => [{ path: `/app/api-keys/${f.targetB.id}/revoke`, form: { note: 'cross-account' } }],
  },
  {
    route: 'POST /app/api-keys/:id/roll',
    own: (f) => ({ path: `/app/api-keys/${f.targetA.id}/roll`, form: { grace_period_hours: '0' } }),
    foreign: (f) => [
      { path: `/app/api-keys/${f.targetB.id}/roll`, form: { grace_period_hours: '0' } },
      // An invalid grace period makes the handler look the key up to redraw the dialog.
      { path: `/app/api-keys/${f.targetB.id}/roll`, form: { grace_period_hours: '7' } },
    ],
  },
  { route: 'GET /app/audit-log', own: () => ({ path: '/app/audit-log' }) },
  { route: 'GET /app/settings', own: () => ({ path: '/app/settings' }) },
  {
    route: 'POST /app/settings',
    own: () => ({ path: '/app/settings', form: { rotation_period_days: '45', notification_url: '' } }),
  },
  { route: 'POST /app/logout', own: () => ({ path: '/app/logout', form: {} }) },
];

/** Routes of the page anyone may open, and why. */
const PUBLIC: Record<string, string> = {
  'GET /': 'a redirect to /app/api-keys',
  'GET /app': 'a redirect to /app/api-keys',
  'GET /app/static/app.js': 'the page script, the same for everyone',
  'GET /app/static/app.css': 'the page style, the same for everyone',
  'GET /app/login': 'the sign-in form (sets the pre-session CSRF cookie)',
  'POST /app/login': 'signing in; guarded by the pre-session CSRF token and the origin check',
  'GET /app/setup': 'the first-run form, behind the one-time setup token',
  'POST /app/setup': 'first-run set-up, behind the one-time setup token and the pre-session CSRF token',
};

/** The /v1 management routes a session may use ("session or keys:manage" in docs/key-service.md#routes). */
const V1_SESSION_ROWS: Array<{
  route: string;
  own(f: AccessFixture): { path: string; body?: unknown };
  foreign?(f: AccessFixture): { path: string; body?: unknown };
}> = [
  { route: 'GET /v1/keys', own: () => ({ path: '/v1/keys' }) },
  { route: 'POST /v1/keys', own: () => ({ path: '/v1/keys', body: { name: 'Session key' } }) },
  {
    route: 'GET /v1/keys/{id}',
    own: (f) => ({ path: `/v1/keys/${f.targetA.id}` }),
    foreign: (f) => ({ path: `/v1/keys/${f.targetB.id}` }),
  },
  {
    route: 'POST /v1/keys/{id}/revoke',
    own: (f) => ({ path: `/v1/keys/${f.targetA.id}/revoke`, body: {} }),
    foreign: (f) => ({ path: `/v1/keys/${f.targetB.id}/revoke`, body: {} }),
  },
  {
    route: 'POST /v1/keys/{id}/roll',
    own: (f) => ({ path: `/v1/keys/${f.targetA.id}/roll`, body: {} }),
    foreign: (f) => ({ path: `/v1/keys/${f.targetB.id}/roll`, body: {} }),
  },
  { route: 'GET /v1/account', own: () => ({ path: '/v1/account' }) },
  { route: 'PATCH /v1/account', own: () => ({ path: '/v1/account', body: { rotation_period_days: 45 } }) },
  { route: 'GET /v1/audit-log', own: () => ({ path: '/v1/audit-log' }) },
];
const KEY_ONLY_ROUTES = [
  { route: 'GET /v1/usage', path: '/v1/usage' },
  { route: 'POST /v1/jobs', path: '/v1/jobs', body: { file_url: 'https://alpha.example/x.csv' } },
];

const methodOf = (route: string) => route.split(' ')[0]!;
const isForm = (row: SessionRow) => methodOf(row.route) === 'POST';

function expectSentToSignIn(response: PageResponse): void {
  expect(response.status, response.text.slice(0, 200)).toBe(303);
  expect(response.headers.get('location')).toMatch(/^\/app\/login(\?signed_out)?$/);
}

function expectFormRefused(response: PageResponse): void {
  expect(response.status, response.text.slice(0, 300)).toBe(403);
  expect(response.text).toContain('Form refused');
}

describe.each(DIALECTS)('/app access table on %s', (dialect) => {
  const clock = new TestClock();
  let h!: Harness;
  let web!: WebApp;
  let site!: ReturnType<typeof createApiApp>;
  let f!: AccessFixture;
  /** A's signed-in client and its CSRF token; B's for the "another session's token" case. */
  let a!: { client: WebClient; csrf: string };
  let b!: { client: WebClient; csrf: string };
  const emails = new Map<string, string>();

  beforeAll(async () => {
    h = await createHarness(dialect, { service: { now: clock.now } });
    const logger = createLogger('debug', (line) => h.logs.push(line));
    web = createWebApp({
      service: h.service,
      logger,
      publicUrl: PUBLIC_URL,
      throttle: { perPair: 1000, perAddress: 1000, perEmail: 1000 },
    });
    site = captureErrorAnswers(
      createApiApp({ service: h.service, logger, sessions: web.sessions, authFailureLimit: 1e6, keyRateLimit: 1e6 }),
    );
    site.route('/', web.app);
    const createAccount = h.createAccount.bind(h);
    // Remember each account's owner e-mail, to sign its owner in.
    h.createAccount = async (plan, name) => {
      const made = await createAccount(plan, name);
      emails.set(made.accountId, made.email);
      return made;
    };
    f = await makeAccessFixture(h, clock, async () => undefined);
    a = await signIn(f.a.accountId);
    b = await signIn(f.b.accountId);
  });
  afterAll(async () => {
    for (const line of h.logs) expectNothingOf([f.a.admin.key, f.b.admin.key], line, 'a log line');
    await h?.close();
  });

  async function signIn(accountId: string) {
    const client = new WebClient({ site });
    const csrf = await client.signIn(emails.get(accountId)!);
    return { client, csrf };
  }

  /** A client carrying only the given session cookie. */
  function withSession(token: string): WebClient {
    const client = new WebClient({ site });
    client.cookies.set('lfk_session', token);
    return client;
  }

  async function send(
    client: WebClient,
    row: SessionRow,
    call: { path: string; form?: Record<string, string> },
    csrf?: string,
    headers?: Record<string, string>,
  ) {
    if (!isForm(row)) return client.get(call.path, headers);
    return client.post(call.path, { ...call.form, ...(csrf === undefined ? {} : { csrf }) }, headers);
  }

  /** Runs a refused request and asserts the database is as it was. */
  async function refused<T extends PageResponse>(run: () => Promise<T>): Promise<T> {
    const before = await accessState(h);
    const response = await run();
    expect(await accessState(h)).toEqual(before);
    expectNothingOf(f.secretsOfB, response.text, 'a refused page');
    return response;
  }

  it('has a row for every route of the page, and none for a route it does not have', () => {
    const served = new Set(
      web.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`),
    );
    const rows = new Set([...SESSION_ROWS.map((row) => row.route), ...Object.keys(PUBLIC)]);
    expect([...served].filter((route) => !rows.has(route)).sort(), 'page routes without an access row').toEqual([]);
    expect([...rows].filter((route) => !served.has(route)).sort(), 'rows for routes the page does not have').toEqual(
      [],
    );
  });

  describe.each(SESSION_ROWS)('$route', (row) => {
    it('sends a visitor with no session, a forged session or a signed-out session to sign in, changing nothing', async () => {
      const signedOut = await signIn(f.a.accountId);
      const token = signedOut.client.cookies.get('lfk_session')!;
      await signedOut.client.post('/app/logout', { csrf: signedOut.csrf });
      for (const client of [new WebClient({ site }), withSession('x'.repeat(43)), withSession(token)]) {
        expectSentToSignIn(await refused(() => send(client, row, row.own(f), signedOut.csrf)));
      }
    });

    if (isForm(row)) {
      it("refuses the form without A's CSRF token, with B's session token, and from another site", async () => {
        expectFormRefused(await refused(() => send(a.client, row, row.own(f))));
        expectFormRefused(await refused(() => send(a.client, row, row.own(f), '')));
        expectFormRefused(await refused(() => send(a.client, row, row.own(f), b.csrf)));
        expectFormRefused(
          await refused(() => send(a.client, row, row.own(f), a.csrf, { origin: 'https://evil.example' })),
        );
        expectFormRefused(
          await refused(() => send(a.client, row, row.own(f), a.csrf, { 'sec-fetch-site': 'cross-site' })),
        );
        // Still signed in: a refused form does not end the session.
        expect((await a.client.get('/app/api-keys')).status).toBe(200);
      });
    }

    if (row.foreign) {
      it("answers 404 to A's session naming B's key, changing nothing", async () => {
        for (const call of row.foreign!(f)) {
          const response = await refused(() => send(a.client, row, call, a.csrf));
          expect(response.status, `${call.path}: ${response.text.slice(0, 300)}`).toBe(404);
          expect(response.text).toContain('Not found');
        }
      });
    } else if (row.route !== 'POST /app/logout') {
      it("shows A's session A's page only, leaving B's rows as they were", async () => {
        const rowsOfB = async () => {
          const state = await accessState(h);
          return [state.accounts, state.keys, state.events, state.jobs].map((rows) =>
            rows.filter((r) => ('account_id' in r ? r.account_id : r.id) === f.b.accountId),
          );
        };
        const before = await rowsOfB();
        const response = await send(a.client, row, row.own(f), a.csrf);
        expect(response.status, response.text.slice(0, 300)).toBeLessThan(400);
        expect(await rowsOfB()).toEqual(before);
        expectNothingOf(f.secretsOfB, response.text, `${row.route} for A`);
      });
    }
  });

  describe('public page routes', () => {
    it('GET /, /app, the assets, /app/login and /app/setup answer without a session and show no account data', async () => {
      const visitor = new WebClient({ site });
      for (const path of ['/', '/app']) {
        const response = await visitor.get(path);
        expect([response.status, response.headers.get('location')]).toEqual([302, '/app/api-keys']);
      }
      for (const path of [
        '/app/static/app.js',
        '/app/static/app.css',
        '/app/login',
        '/app/setup',
        '/app/setup?token=forged',
      ]) {
        const response = await visitor.get(path);
        expect(response.status, path).toBe(path.startsWith('/app/setup') ? 404 : 200);
        expectNothingOf([...f.secretsOfB, f.a.accountId, 'Alpha'], response.text, path);
      }
    });

    it('POST /app/login refuses a missing, foreign or cross-site pre-session token, signing no one in', async () => {
      const visitor = new WebClient({ site });
      const other = new WebClient({ site });
      const otherToken = WebClient.csrf((await other.get('/app/login')).text);
      const ownToken = WebClient.csrf((await visitor.get('/app/login')).text);
      const form = { email: emails.get(f.a.accountId)!, password: 'correct horse battery' };
      for (const [csrf, headers] of [
        [undefined, {}],
        [otherToken, {}],
        [ownToken, { origin: 'https://evil.example' }],
      ] as const) {
        expectFormRefused(
          await refused(() => visitor.post('/app/login', { ...form, ...(csrf ? { csrf } : {}) }, headers)),
        );
      }
      expect(visitor.cookies.has('lfk_session')).toBe(false);
    });

    it('POST /app/setup on a database with users creates nothing, whatever the token', async () => {
      const visitor = new WebClient({ site });
      const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
      const form = {
        account_name: 'Intruder',
        plan: 'agency',
        email: 'intruder@example.com',
        password: 'long enough password',
        token: 'x'.repeat(43),
      };
      expectFormRefused(await refused(() => visitor.post('/app/setup', form)));
      const response = await refused(() => visitor.post('/app/setup', { ...form, csrf }));
      expect(response.status).toBe(404);
      expect(visitor.cookies.has('lfk_session')).toBe(false);
    });
  });

  describe('/v1 management routes with a session', () => {
    it.each(V1_SESSION_ROWS)(
      "$route: B's ids 404, a cross-site write 403 csrf_failed, a signed-out session 401",
      async (row) => {
        const call = async (
          client: WebClient,
          target: { path: string; body?: unknown },
          headers: Record<string, string> = {},
        ) => {
          const method = methodOf(row.route);
          const response = await client.request(method, target.path, {
            headers: { ...(target.body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
            ...(target.body === undefined ? {} : { form: JSON.stringify(target.body) }),
          });
          return {
            ...response,
            code: response.text.startsWith('{')
              ? (JSON.parse(response.text) as { error?: { code: string } }).error?.code
              : undefined,
          };
        };
        // WebClient.request sends a form's content type; the JSON body needs its own.
        const json = { 'content-type': 'application/json' };
        if (row.foreign) {
          const response = await refused(() => call(a.client, row.foreign!(f), json));
          expect([response.status, response.code]).toEqual([404, 'not_found']);
        }
        if (methodOf(row.route) !== 'GET') {
          for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }] as Array<
            Record<string, string>
          >) {
            const response = await refused(() => call(a.client, row.own(f), { ...json, ...headers }));
            expect([response.status, response.code]).toEqual([403, 'csrf_failed']);
          }
        }
        const signedOut = await signIn(f.a.accountId);
        const token = signedOut.client.cookies.get('lfk_session')!;
        await signedOut.client.post('/app/logout', { csrf: signedOut.csrf });
        const response = await refused(() => call(withSession(token), row.own(f), json));
        expect([response.status, response.code]).toEqual([401, 'missing_api_key']);
      },
    );

    it.each(KEY_ONLY_ROUTES)('$route takes a key only: a session is 401 missing_api_key', async (row) => {
      const response = await refused(() =>
        a.client.request(
          methodOf(row.route),
          row.path,
          row.body ? { form: JSON.stringify(row.body), headers: { 'content-type': 'application/json' } } : {},
        ),
      );
      expect(response.status).toBe(401);
      expect(JSON.parse(response.text).error.code).toBe('missing_api_key');
    });
  });

  // Last: moving the clock past the session limit ends every session made so far.
  it('sends an expired session to sign in on every page and form, changing nothing', async () => {
    const expiring = await signIn(f.a.accountId);
    clock.ms += 13 * 3_600_000;
    for (const row of SESSION_ROWS) {
      const response = await refused(() => send(expiring.client, row, row.own(f), expiring.csrf));
      expectSentToSignIn(response);
    }
    clock.ms += DAY_MS;
  });
});
