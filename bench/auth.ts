// Authenticated `GET /v1/usage` against a bare Hono route, in the same process and the same run,
// on SQLite and on PostgreSQL. Prints requests per second, p99 latency and their ratio.
//
//   npm run bench:auth                   (PostgreSQL from LFK_TEST_DATABASE_URL, else the local server)
//   LFK_BENCH_SECONDS=10 LFK_BENCH_CONNECTIONS=64 npm run bench:auth
//   LFK_BENCH_DIALECTS=sqlite npm run bench:auth     (one store only)
import './database-env.js';
import { serve, type ServerType } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { createApiApp } from '../key-service/http/app.js';
import { createLogger } from '../key-service/logger.js';
import { KeyService } from '../key-service/service/key-service.js';
import type { Dialect } from '../key-service/store/database.js';
import { createTestDatabase } from '../test/support/databases.js';

const SECONDS = Number(process.env.LFK_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.LFK_BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.LFK_BENCH_CONNECTIONS ?? 32);
const KEYS = Number(process.env.LFK_BENCH_KEYS ?? 50);

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ server, url: `http://127.0.0.1:${info.port}` }));
  });
}

/** Both sides get the same requests (rotating Bearer headers): only the server differs. */
async function load(url: string, keys: string[], seconds: number): Promise<Run> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          // Rotate through many keys so the cache and the counters see a realistic spread.
          const key = keys[next++ % keys.length]!;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${key}` } };
        },
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function benchDialect(dialect: Dialect) {
  const database = await createTestDatabase(dialect);
  const store = await database.open();
  const service = new KeyService(store);
  service.start(() => undefined);
  // As `lfk serve` does: on SQLite, following is what asks data_version on every request.
  const stopFollowing = await service.followRevocations(() => undefined);
  // The per-key limit (default 100/s) is raised so that no request is refused: the limiter still
  // runs on every request, so its cost is measured.
  const app = createApiApp({ service, logger: createLogger('silent'), keyRateLimit: 1_000_000 });
  const created = await service.createAccount({ name: 'Bench', plan: 'pro', email: `bench-${Date.now()}@example.com`, password: 'benchmark password' });
  const accountId = created.account.id;
  const keys: string[] = [];
  for (let index = 0; index < KEYS; index++) {
    keys.push((await service.createKey(accountId, { name: `Bench ${index}` }, { actor: { type: 'system', id: 'bench' } })).key);
  }

  // The peer: a bare Hono app with one route answering the very body the API answers (same
  // bytes on the wire; only the work behind them differs).
  const bare = new Hono();
  const body = (await (await app.request('/v1/usage', { headers: { authorization: `Bearer ${keys[0]}` } })).json()) as object;
  bare.get('/v1/usage', (c) => c.json(body));

  const api = await listen(app.fetch);
  const peer = await listen(bare.fetch);
  await load(`${peer.url}/v1/usage`, keys, 2); // warm-up
  await load(`${api.url}/v1/usage`, keys, 2);
  const bareRuns: Run[] = [];
  const authRuns: Run[] = [];
  // Alternating short rounds: a neighbour's load hits both sides alike, and the ratio is taken
  // per round (then the median), not from averages that drift apart.
  for (let round = 0; round < ROUNDS; round++) {
    bareRuns.push(await load(`${peer.url}/v1/usage`, keys, SECONDS));
    authRuns.push(await load(`${api.url}/v1/usage`, keys, SECONDS));
  }
  const summary = (runs: Run[]) => ({ rps: median(runs.map((run) => run.rps)), p50: median(runs.map((run) => run.p50)), p99: median(runs.map((run) => run.p99)), non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0) });
  const bareSummary = summary(bareRuns);
  const authSummary = summary(authRuns);
  await new Promise((resolve) => api.server.close(resolve));
  await new Promise((resolve) => peer.server.close(resolve));
  await stopFollowing();
  await service.stop();
  const counted = await service.usageOf((await service.authenticate(keys[0]!))!);
  await store.close();
  await database.drop();
  const ratio = median(authRuns.map((run, index) => run.rps / bareRuns[index]!.rps));
  return { dialect, bare: bareSummary, auth: authSummary, ratio, cacheHits: service.cache.hits, cacheMisses: service.cache.misses, countedAccountRequests: counted.account.requests };
}

const results = [];
for (const dialect of (process.env.LFK_BENCH_DIALECTS?.split(',') ?? ['sqlite', 'postgres']) as Dialect[]) results.push(await benchDialect(dialect));

console.log(`\nauth benchmark: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds × ${SECONDS} s per side (medians; ratio = median of per-round ratios), ${KEYS} keys, Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
console.log('| store | bare Hono req/s | authenticated /v1/usage req/s | ratio | bare p99 ms | auth p99 ms | non-2xx |');
console.log('|---|---|---|---|---|---|---|');
for (const result of results) {
  console.log(
    `| ${result.dialect} | ${result.bare.rps.toFixed(0)} | ${result.auth.rps.toFixed(0)} | ${(result.ratio * 100).toFixed(1)} % | ${result.bare.p99} | ${result.auth.p99} | ${result.auth.non2xx} |`,
  );
}
for (const result of results) {
  console.log(`${result.dialect}: cache hits ${result.cacheHits}, misses ${result.cacheMisses}; requests counted for the account: ${result.countedAccountRequests}`);
}
const failed = results.filter((result) => result.ratio < 0.8 || result.auth.non2xx > 0);
console.log(failed.length === 0 ? '\ntarget met: authenticated throughput ≥ 80 % of the bare route on every store' : `\ntarget MISSED on: ${failed.map((result) => result.dialect).join(', ')}`);
