// The API as users call it, on SQLite and PostgreSQL, in one run. For each route, three servers
// built from the same code answer the same requests (bench/auth-servers.ts, in a process of its
// own, so the load generator here does not share its event loop):
//   real    the app `lfk serve` runs (authentication, limits, usage counting, validation);
//   twin    the same app with authentication replaced by a fixed principal, so real/twin is the
//           cost of authentication itself;
//   bare    a bare Hono route answering the same bytes (the floor).
// Rounds alternate between the three so a neighbour's load hits them alike; each ratio is the
// median of per-round ratios.
//
//   npm run bench:auth                   (PostgreSQL from LFK_TEST_DATABASE_URL, else the local server)
//   LFK_BENCH_SECONDS=5 LFK_BENCH_ROUNDS=5 LFK_BENCH_CONNECTIONS=32 npm run bench:auth
//   LFK_BENCH_DIALECTS=sqlite LFK_BENCH_ROUTES=usage,refused npm run bench:auth   (routes whose name holds one)
//   LFK_BENCH_SERVER_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench:auth   (where the servers' time goes)
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RouteCase, ServersReady } from './auth-servers.js';

const SECONDS = Number(process.env.LFK_BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.LFK_BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.LFK_BENCH_CONNECTIONS ?? 32);
// A few requests in flight per connection: one load generator can then keep a server busy.
const PIPELINING = Number(process.env.LFK_BENCH_PIPELINING ?? 4);

interface Run {
  rps: number;
  /** The servers' CPU time per answered request, µs. */
  cpuUs: number;
  p99: number;
  /** Answers other than the route's own status, and errors. */
  unexpected: number;
}

let servers: ChildProcess;
async function serverCpuUs(): Promise<number> {
  servers.send('cpu');
  const [{ cpu }] = (await once(servers, 'message')) as [{ cpu: NodeJS.CpuUsage }];
  return cpu.user + cpu.system;
}

/** Every server gets the very same requests: only what answers differs. */
async function load(url: string, route: RouteCase, seconds: number): Promise<Run> {
  let next = 0;
  const cpuBefore = await serverCpuUs();
  const result = await autocannon({
    url: url + route.path,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
    requests: [
      {
        method: route.method,
        ...(route.body !== undefined && { body: route.body }),
        setupRequest: (request) => {
          // Rotating keys: the cache, the limits and the counters see a realistic spread.
          const key = route.keys[next++ % route.keys.length]!;
          return {
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          };
        },
      },
    ],
  });
  const cpuUs = (await serverCpuUs()) - cpuBefore;
  const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, stat) => sum + (stat.count ?? 0), 0);
  const unexpected = answered - (result.statusCodeStats?.[`${route.status}`]?.count ?? 0) + result.errors;
  return { rps: result.requests.average, cpuUs: cpuUs / Math.max(1, answered), p99: result.latency.p99, unexpected };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function benchDialect(dialect: string, only: string[] | undefined) {
  const child = (servers = fork(fileURLToPath(new URL('./auth-servers.ts', import.meta.url)), [dialect], {
    execArgv: ['--import', 'tsx', ...(process.env.LFK_BENCH_SERVER_ARGS?.split(' ') ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }));
  const [ready] = (await once(child, 'message')) as [ServersReady];
  const results = [];
  for (const route of ready.routes.filter((candidate) => !only || only.some((part) => candidate.name.includes(part)))) {
    const servers = { bare: route.bareUrl, twin: ready.twinUrl, real: ready.realUrl };
    for (const url of Object.values(servers)) await load(url, route, 1); // warm-up
    const runs: Record<'real' | 'twin' | 'bare', Run[]> = { real: [], twin: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.bare.push(await load(servers.bare, route, SECONDS));
      if (route.twin) runs.twin.push(await load(servers.twin, route, SECONDS));
      runs.real.push(await load(servers.real, route, SECONDS));
    }
    const ratio = (of: Run[], to: Run[]) =>
      to.length === 0 ? undefined : median(of.map((run, index) => run.rps / to[index]!.rps));
    const summary = (of: Run[]) =>
      of.length === 0
        ? undefined
        : {
            rps: median(of.map((run) => run.rps)),
            cpuUs: median(of.map((run) => run.cpuUs)),
            p99: median(of.map((run) => run.p99)),
            unexpected: of.reduce((sum, run) => sum + run.unexpected, 0),
          };
    results.push({
      route: route.name,
      real: summary(runs.real)!,
      twin: summary(runs.twin),
      bare: summary(runs.bare)!,
      ofTwin: ratio(runs.real, runs.twin),
      ofBare: ratio(runs.real, runs.bare)!,
    });
  }
  child.send('stop');
  await once(child, 'exit');
  return { dialect, results };
}

const only = process.env.LFK_BENCH_ROUTES?.split(',');
const all = [];
for (const dialect of process.env.LFK_BENCH_DIALECTS?.split(',') ?? ['sqlite', 'postgres'])
  all.push(await benchDialect(dialect, only));

const percent = (value: number | undefined) => (value === undefined ? 'n/a' : `${(value * 100).toFixed(1)} %`);
const count = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(0));
console.log(
  `\nauth benchmark: ${CONNECTIONS} connections × ${PIPELINING} pipelined, ${ROUNDS} alternating rounds × ${SECONDS} s per server (medians; ratios are medians of per-round ratios), servers in their own process, Node ${process.version}, ${cpus().length} cores\n`,
);
console.log(
  '| store | route | real req/s | twin req/s | bare req/s | real/twin | real/bare | real p99 ms | twin p99 ms | bare p99 ms | server CPU µs/request real / twin / bare | unexpected |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const { dialect, results } of all) {
  for (const r of results) {
    console.log(
      `| ${dialect} | ${r.route} | ${count(r.real.rps)} | ${count(r.twin?.rps)} | ${count(r.bare.rps)} | ${percent(r.ofTwin)} | ${percent(r.ofBare)} | ${r.real.p99} | ${r.twin?.p99 ?? 'n/a'} | ${r.bare.p99} | ${r.real.cpuUs.toFixed(1)} / ${r.twin?.cpuUs.toFixed(1) ?? 'n/a'} / ${r.bare.cpuUs.toFixed(1)} | ${r.real.unexpected + (r.twin?.unexpected ?? 0)} |`,
    );
  }
}
const missed = all.flatMap(({ dialect, results }) =>
  results.flatMap((r) => [
    ...(r.ofTwin !== undefined && r.ofTwin < 0.9
      ? [`${dialect} ${r.route}: ${percent(r.ofTwin)} of the twin (target 90 %)`]
      : []),
    ...(r.route === 'GET /v1/usage' && r.ofBare < 0.8
      ? [`${dialect} ${r.route}: ${percent(r.ofBare)} of the bare route (target 80 %)`]
      : []),
    ...(r.real.unexpected + (r.twin?.unexpected ?? 0) > 0
      ? [`${dialect} ${r.route}: answers with another status than expected`]
      : []),
  ]),
);
console.log(
  missed.length === 0
    ? '\ntargets met: authenticated ≥ 90 % of the twin on every route, GET /v1/usage ≥ 80 % of the bare route'
    : `\ntargets MISSED:\n${missed.map((line) => `  ${line}`).join('\n')}`,
);
