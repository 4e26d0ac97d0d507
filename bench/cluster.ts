// Two `lfk serve` instances on one PostgreSQL under load, with a batch of keys revoked mid-run.
// Prints requests per second (one instance alone, then both), p50/p99 latency, and the longest
// time any instance kept accepting a revoked key.
//
//   npm run bench:cluster          (PostgreSQL from LFK_TEST_DATABASE_URL, else the local server)
//
// The load tool is wrk (Debian package `wrk`; .ci/run installs it): written in C, it needs a
// fraction of a core for what one lfk instance serves, so on a small machine the servers, not the
// load tool, get the cores (autocannon, in Node, needed as much CPU as the server it loaded).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyService } from '../key-service/service/key-service.js';
import { createTestDatabase } from '../test/support/databases.js';
import { startLfkServer, type ServerProcess } from '../test/support/cli.js';

process.env.LFK_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LFK_TEST_QUIET = '1';
const SECONDS = Number(process.env.LFK_BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.LFK_BENCH_CONNECTIONS ?? 64);
const KEYS = 500;
const REVOKED = 50;

if (spawnSync('wrk', ['--version']).error) {
  console.error('bench:cluster needs wrk (apt-get install wrk)');
  process.exit(2);
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
}

// wrk sends each request with the next key of the file (a thread each, from its own offset).
const ROTATE_KEYS = `
local keys = {}
local next = 0
init = function(args)
  for line in io.lines(args[1]) do keys[#keys + 1] = line end
  next = math.random(#keys)
end
request = function()
  next = next % #keys + 1
  return wrk.format("GET", "/v1/usage", { ["Authorization"] = "Bearer " .. keys[next] })
end
`;

const work = mkdtempSync(join(tmpdir(), 'lfk-cluster-'));
const script = join(work, 'rotate-keys.lua');
const keyFile = join(work, 'keys.txt');
writeFileSync(script, ROTATE_KEYS);

/** wrk for `seconds` on one instance with `connections` connections over `threads` threads. */
function load(url: string, connections: number, threads: number, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', '-s', script, `${url}/v1/usage`, '--', keyFile]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
      const ms = (pattern: RegExp) => {
        const match = pattern.exec(output);
        if (!match) return NaN;
        const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
        return Number(match[1]) * scale;
      };
      const result = {
        rps: number(/Requests\/sec:\s+([\d.]+)/),
        p50: ms(/^\s+50%\s+([\d.]+)(us|ms|s|m)\b/m),
        p99: ms(/^\s+99%\s+([\d.]+)(us|ms|s|m)\b/m),
        requests: number(/(\d+) requests in/),
        non2xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
      };
      if (code !== 0 || Number.isNaN(result.rps)) reject(new Error(`wrk failed (${code}): ${output}`));
      else resolve(result);
    });
  });
}

/**
 * While the load runs, asks every instance with each revoked key again and again, and records the
 * latest moment (answer received, after the revocation was answered) at which an instance still
 * said 200: the longest time a revoked key was accepted. Each instance must refuse every revoked
 * key by the end.
 */
async function probeRevocations(servers: ServerProcess[], revoked: Map<string, number>, untilMs: number) {
  const acceptedFor = servers.map(() => 0);
  await Promise.all(
    servers.map(async (server, instance) => {
      const refused = new Set<string>();
      while (Date.now() < untilMs) {
        for (const [key, at] of revoked) {
          const response = await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } });
          await response.arrayBuffer();
          if (response.status === 200) acceptedFor[instance] = Math.max(acceptedFor[instance]!, Date.now() - at);
          else if (response.status === 401) refused.add(key);
        }
      }
      if (refused.size !== revoked.size) throw new Error(`instance ${instance + 1} never refused ${revoked.size - refused.size} revoked keys`);
    }),
  );
  return acceptedFor;
}

const database = await createTestDatabase('postgres');
const store = await database.open();
const service = new KeyService(store);
const { account } = await service.createAccount({ name: 'Cluster bench', plan: 'agency', email: `cluster-${Date.now()}@example.com`, password: 'benchmark password' });
const context = { actor: { type: 'system' as const, id: 'bench' } };
const created = [];
for (let index = 0; index < KEYS; index++) created.push(await service.createKey(account.id, { name: `Load ${index}` }, context));
const manager = await service.createKey(account.id, { name: 'Revoker', scopes: ['keys:manage'] }, context);
// Throwaway keys of a schema dropped at the end, in a private temporary folder.
writeFileSync(keyFile, `${created.map((key) => key.key).join('\n')}\n`, { mode: 0o600 });

// All load comes from one address, and every request with a revoked key is a failed
// authentication: the per-address failure limit is raised so that it does not cut in.
const env = { LFK_DATABASE_URL: database.url, LFK_LOG_LEVEL: 'warn', LFK_DATABASE_POOL_SIZE: '8', LFK_AUTH_FAILURE_LIMIT: '1000000' };
const servers: ServerProcess[] = await Promise.all([startLfkServer(env), startLfkServer(env)]);
try {
  await load(servers[0]!.url, CONNECTIONS, 2, 3); // warm-up
  await load(servers[1]!.url, CONNECTIONS, 2, 3);
  const single = await load(servers[0]!.url, CONNECTIONS, 2, SECONDS);

  // Both instances, half the connections each; revoke a batch through instance one mid-run.
  const revokedAt = new Map<string, number>();
  const targets = created.slice(0, REVOKED);
  const endMs = Date.now() + SECONDS * 1000;
  const revoking = (async () => {
    await new Promise((resolve) => setTimeout(resolve, (SECONDS * 1000) / 2));
    await Promise.all(
      targets.map(async (key) => {
        const response = await fetch(`${servers[0]!.url}/v1/keys/${key.id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${manager.key}` } });
        if (response.status !== 200) throw new Error(`revoke answered ${response.status}`);
        revokedAt.set(key.key, Date.now());
      }),
    );
    return probeRevocations(servers, revokedAt, endMs);
  })();
  const [one, two] = await Promise.all([load(servers[0]!.url, CONNECTIONS / 2, 1, SECONDS), load(servers[1]!.url, CONNECTIONS / 2, 1, SECONDS)]);
  const acceptedFor = await revoking;

  // After the run, each instance must refuse every revoked key.
  let stillAccepted = 0;
  for (const server of servers) {
    for (const key of targets) {
      const response = await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${key.key}` } });
      if (response.status !== 401) stillAccepted++;
    }
  }

  const aggregate = one!.rps + two!.rps;
  console.log(`\ncluster benchmark: wrk, ${CONNECTIONS} connections, ${SECONDS} s, ${KEYS} keys, ${REVOKED} revoked mid-run, PostgreSQL\n`);
  console.log('| setup | req/s | p50 ms | p99 ms | non-2xx |');
  console.log('|---|---|---|---|---|');
  console.log(`| one instance | ${single.rps.toFixed(0)} | ${single.p50} | ${single.p99} | ${single.non2xx} |`);
  console.log(`| two instances (sum) | ${aggregate.toFixed(0)} | ${Math.max(one!.p50, two!.p50)} | ${Math.max(one!.p99, two!.p99)} | ${one!.non2xx + two!.non2xx} |`);
  console.log(`\naggregate / single: ${(aggregate / single.rps).toFixed(2)}×`);
  console.log(`longest time a revoked key was still accepted: instance one ${acceptedFor[0]} ms, instance two ${acceptedFor[1]} ms`);
  console.log(`revoked keys accepted after the run: ${stillAccepted}`);
  const met = Math.max(...acceptedFor) < 1000 && aggregate > single.rps && stillAccepted === 0;
  console.log(met ? 'target met: refusals under 1 s everywhere, aggregate above one instance' : 'target MISSED');
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await store.close();
  await database.drop();
  rmSync(work, { recursive: true, force: true });
}
