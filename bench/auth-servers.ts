// The servers bench/auth.ts loads, in a process of their own (the load generator gets the other
// core): for one store, the real app, its twin without authentication, and one bare Hono route per
// measured route answering the real app's bytes. Tells its parent what to call over IPC, and
// drops its database when told to stop.
import './database-env.js';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { createApiApp } from '../key-service/http/app.js';
import type { ApiEnv, Principal } from '../key-service/http/env.js';
import { createLogger } from '../platform/logger.js';
import { KeyService } from '../key-service/service/key-service.js';
import type { Dialect } from '../platform/database/database.js';
import { createTestDatabase } from '../test/support/databases.js';

export interface RouteCase {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** The keys its requests rotate through (Bearer). */
  keys: string[];
  /** The status every answer must have. */
  status: number;
  /** Whether the twin (no authentication) means anything: not for a refusal. */
  twin: boolean;
  /** The bare route answering this route's bytes. */
  bareUrl: string;
}

export interface ServersReady {
  realUrl: string;
  twinUrl: string;
  routes: RouteCase[];
}

const KEYS = Number(process.env.LFK_BENCH_KEYS ?? 50);

function listen(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ server, url: `http://127.0.0.1:${info.port}` }),
    );
  });
}

const dialect = process.argv[2] as Dialect;
const database = await createTestDatabase(dialect);
const store = await database.open();
const service = new KeyService(store);
service.start(() => undefined);
// As `lfk serve` does: on SQLite, following is what asks data_version on every request.
const stopFollowing = await service.followRevocations(() => undefined);
const logger = createLogger('silent');
// The per-key and failed-authentication limits are raised so no request is refused for them:
// the limiters still run on every request, so their cost is measured.
const limits = { keyRateLimit: 1_000_000, authFailureLimit: 1_000_000 };
const real = createApiApp({ service, logger, ...limits });

const created = await service.createAccount({
  name: 'Bench',
  plan: 'pro',
  email: `bench-${Date.now()}@example.com`,
  password: 'benchmark password',
});
const accountId = created.account.id;
const system = { actor: { type: 'system' as const, id: 'bench' } };
const enrichment: string[] = [];
const managers: string[] = [];
for (let index = 0; index < KEYS; index++) {
  enrichment.push((await service.createKey(accountId, { name: `Bench ${index}` }, system)).key);
  managers.push(
    (await service.createKey(accountId, { name: `Manager ${index}`, scopes: ['keys:manage'] }, system)).key,
  );
}
const revoked = await service.createKey(accountId, { name: 'Revoked' }, system);
await service.revokeKey(accountId, revoked.id, undefined, system);

// The twin: the same app with its authentication a fixed principal (one key, verified once).
const principalOf = async (token: string): Promise<Principal> => {
  const key = (await service.authenticate(token))!;
  return {
    accountId,
    key,
    context: { actor: { type: 'key', id: key.id }, ip: '127.0.0.1', userAgent: undefined, scopes: key.scopes },
  };
};
const asEnrichment = await principalOf(enrichment[0]!);
const asManager = await principalOf(managers[0]!);
const twin = createApiApp({
  service,
  logger,
  ...limits,
  authenticate: (options): MiddlewareHandler<ApiEnv> => {
    const principal = options.scope === 'keys:manage' ? asManager : asEnrichment;
    return (c, next) => {
      c.set('principal', principal);
      return next();
    };
  },
});

const headers = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const jobBody = JSON.stringify({ file_url: 'https://files.example.com/leads.csv' });
const job = (await (
  await real.request('/v1/jobs', { method: 'POST', headers: headers(enrichment[0]!), body: jobBody })
).json()) as { id: string };
const cases: Array<Omit<RouteCase, 'bareUrl'>> = [
  { name: 'GET /v1/usage', method: 'GET', path: '/v1/usage', keys: enrichment, status: 200, twin: true },
  { name: 'POST /v1/jobs', method: 'POST', path: '/v1/jobs', body: jobBody, keys: enrichment, status: 202, twin: true },
  { name: 'GET /v1/jobs/{id}', method: 'GET', path: `/v1/jobs/${job.id}`, keys: enrichment, status: 200, twin: true },
  { name: 'GET /v1/keys', method: 'GET', path: '/v1/keys?limit=20', keys: managers, status: 200, twin: true },
  { name: 'refused (revoked key)', method: 'GET', path: '/v1/usage', keys: [revoked.key], status: 401, twin: false },
];
const servers: ServerType[] = [];
const routes: RouteCase[] = [];
for (const route of cases) {
  // The floor: one Hono route answering the bytes the real app answers: the same status, body and
  // headers (a request id of the same length included).
  const sample = await real.request(route.path, {
    method: route.method,
    headers: headers(route.keys[0]!),
    ...(route.body !== undefined && { body: route.body }),
  });
  const bytes = await sample.text();
  const answerHeaders: Record<string, string> = {};
  for (const name of ['content-type', 'x-request-id', 'cache-control', 'x-content-type-options'])
    answerHeaders[name] = sample.headers.get(name) ?? '';
  const bare = new Hono();
  bare.on(route.method, route.path.split('?')[0]!, (c) => c.body(bytes, route.status as 200, answerHeaders));
  const listening = await listen(bare.fetch);
  servers.push(listening.server);
  routes.push({ ...route, bareUrl: listening.url });
}
const realServer = await listen(real.fetch);
const twinServer = await listen(twin.fetch);
servers.push(realServer.server, twinServer.server);

process.on('message', async (message) => {
  // CPU time is what the servers spend, whatever else the machine runs: the bench divides it by requests.
  if (message === 'cpu') return process.send!({ cpu: process.cpuUsage() });
  if (message !== 'stop') return;
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await stopFollowing();
  await service.stop();
  await store.close();
  await database.drop();
  process.send!('stopped', () => process.exit(0));
});
const ready: ServersReady = { realUrl: realServer.url, twinUrl: twinServer.url, routes };
process.send!(ready);
