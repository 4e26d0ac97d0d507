// Two `lfk serve` instances on one PostgreSQL under load, with a batch of keys revoked mid-run.
// Prints requests per second (one instance alone, then both), p50/p99 latency, and the longest
// time any instance kept accepting a revoked key.
//
//   npm run bench:cluster          (PostgreSQL from LFK_TEST_DATABASE_URL, else the local server)
import autocannon from 'autocannon';
import { KeyService } from '../key-service/service/key-service.js';
import { createTestDatabase } from '../test/support/databases.js';
import { startLfkServer, type ServerProcess } from '../test/support/cli.js';

process.env.LFK_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LFK_TEST_QUIET = '1';
const SECONDS = Number(process.env.LFK_BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.LFK_BENCH_CONNECTIONS ?? 64);
const KEYS = 500;
const REVOKED = 50;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}

/** Load on one instance; `accepted` is told of every 200 with the key it carried. */
async function load(url: string, keys: string[], connections: number, seconds: number, accepted?: (key: string, atMs: number) => void): Promise<Load> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/v1/usage`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request, context) => {
          const key = keys[next++ % keys.length]!;
          (context as { key?: string }).key = key;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${key}` } };
        },
        onResponse: (status, _body, context) => {
          if (status === 200) accepted?.((context as { key: string }).key, Date.now());
        },
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

const database = await createTestDatabase('postgres');
const store = await database.open();
const service = new KeyService(store);
const { account } = await service.createAccount({ name: 'Cluster bench', plan: 'agency', email: `cluster-${Date.now()}@example.com`, password: 'benchmark password' });
const context = { actor: { type: 'system' as const, id: 'bench' } };
const created = [];
for (let index = 0; index < KEYS; index++) created.push(await service.createKey(account.id, { name: `Load ${index}` }, context));
const manager = await service.createKey(account.id, { name: 'Revoker', scopes: ['keys:manage'] }, context);
const keys = created.map((key) => key.key);

// All load comes from one address, and every request with a revoked key is a failed
// authentication: the per-address failure limit is raised so that it does not cut in.
const env = { LFK_DATABASE_URL: database.url, LFK_LOG_LEVEL: 'warn', LFK_DATABASE_POOL_SIZE: '8', LFK_AUTH_FAILURE_LIMIT: '1000000' };
const servers: ServerProcess[] = await Promise.all([startLfkServer(env), startLfkServer(env)]);
try {
  await load(servers[0]!.url, keys, CONNECTIONS, 3); // warm-up
  const single = await load(servers[0]!.url, keys, CONNECTIONS, SECONDS);

  // Both instances, half the connections each; revoke a batch through instance one mid-run.
  const revokedAt = new Map<string, number>();
  const staleness = [0, 0];
  const targets = created.slice(0, REVOKED);
  const watch = (instance: number) => (key: string, atMs: number) => {
    const at = revokedAt.get(key);
    if (at !== undefined && atMs > at) staleness[instance] = Math.max(staleness[instance]!, atMs - at);
  };
  const revoking = (async () => {
    await new Promise((resolve) => setTimeout(resolve, (SECONDS * 1000) / 2));
    await Promise.all(
      targets.map(async (key) => {
        const response = await fetch(`${servers[0]!.url}/v1/keys/${key.id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${manager.key}` } });
        if (response.status !== 200) throw new Error(`revoke answered ${response.status}`);
        revokedAt.set(key.key, Date.now());
      }),
    );
  })();
  const [one, two] = await Promise.all([
    load(servers[0]!.url, keys, CONNECTIONS / 2, SECONDS, watch(0)),
    load(servers[1]!.url, keys, CONNECTIONS / 2, SECONDS, watch(1)),
  ]);
  await revoking;

  // After the run, each instance must refuse every revoked key.
  let stillAccepted = 0;
  for (const server of servers) {
    for (const key of targets) {
      const response = await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${key.key}` } });
      if (response.status !== 401) stillAccepted++;
    }
  }

  const aggregate = one!.rps + two!.rps;
  console.log(`\ncluster benchmark: ${CONNECTIONS} connections, ${SECONDS} s, ${KEYS} keys, ${REVOKED} revoked mid-run, PostgreSQL\n`);
  console.log('| setup | req/s | p50 ms | p99 ms |');
  console.log('|---|---|---|---|');
  console.log(`| one instance | ${single.rps.toFixed(0)} | ${single.p50} | ${single.p99} |`);
  console.log(`| two instances (sum) | ${aggregate.toFixed(0)} | ${Math.max(one!.p50, two!.p50)} | ${Math.max(one!.p99, two!.p99)} |`);
  console.log(`\naggregate / single: ${(aggregate / single.rps).toFixed(2)}×`);
  console.log(`longest time a revoked key was still accepted: instance one ${staleness[0]} ms, instance two ${staleness[1]} ms`);
  console.log(`revoked keys accepted after the run: ${stillAccepted}`);
  const met = Math.max(...staleness) < 1000 && aggregate > single.rps && stillAccepted === 0;
  console.log(met ? 'target met: refusals under 1 s everywhere, aggregate above one instance' : 'target MISSED');
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await store.close();
  await database.drop();
}
