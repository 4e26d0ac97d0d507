// Several `lfk serve` processes on one PostgreSQL: a revocation through one is refused by the
// others on their next request, even when a listener connection is cut.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { MANAGER_SCOPES, createAccountWithLfk, runLfk, startLfkServer, type ServerProcess } from '../support/cli.js';

async function status(server: ServerProcess, key: string): Promise<number> {
  return (await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).status;
}

async function sql<T>(query: string, values: unknown[] = []): Promise<T[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query(query, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const listenerOf = (server: ServerProcess) => `lfk-listener-${server.child.pid}`;
const listenerPids = async (server: ServerProcess) =>
  (
    await sql<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [listenerOf(server)])
  ).map((row) => row.pid);
const listening = async (server: ServerProcess) => (await listenerPids(server)).length === 1;

describe.skipIf(!POSTGRES_URL)('two lfk serve instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let one: ServerProcess;
  let two: ServerProcess;
  let env: Record<string, string>;
  let accountId: string;
  let manager: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    env = { LFK_DATABASE_URL: database.url };
    [one, two] = await Promise.all([startLfkServer(env), startLfkServer(env)]);
    const created = await createAccountWithLfk(
      { name: 'Cluster', email: 'cluster@acme.test', plan: 'agency' },
      { env },
    );
    accountId = JSON.parse(created.stdout).account.id;
    const ops = await runLfk(['keys', 'create', '--account', accountId, '--name', 'Ops', ...MANAGER_SCOPES, '--json'], {
      env,
    });
    manager = JSON.parse(ops.stdout).key;
    await waitFor(async () => (await listening(one)) && (await listening(two)), 'both listeners');
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await database?.drop();
  });

  async function newKey(name: string) {
    const response = await fetch(`${one.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; key: string };
  }

  it('refuses on the other instance the very next request after a revocation, every time', async () => {
    // Repeated: a race between the notification and the next request would show within a few rounds.
    for (let round = 0; round < 10; round++) {
      const key = await newKey(`Shared ${round}`);
      expect(await status(one, key.key)).toBe(200);
      expect(await status(two, key.key)).toBe(200); // now cached on both
      const revoke = await fetch(`${one.url}/v1/keys/${key.id}/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${manager}` },
      });
      expect(revoke.status).toBe(200);
      expect(await status(two, key.key)).toBe(401);
      expect(await status(one, key.key)).toBe(401);
    }
  });

  it('refuses on both instances the very next request after `lfk keys revoke` returns', async () => {
    const key = await newKey('Revoked from the terminal');
    expect(await status(one, key.key)).toBe(200);
    expect(await status(two, key.key)).toBe(200);
    const revoke = await runLfk(['keys', 'revoke', key.id], { env });
    expect(revoke.code).toBe(0);
    expect(await status(two, key.key)).toBe(401);
    expect(await status(one, key.key)).toBe(401);
  });

  it('refuses a key revoked by an exposure report on the other instance', async () => {
    const key = await newKey('Leaked');
    expect(await status(two, key.key)).toBe(200);
    const report = await fetch(`${one.url}/v1/exposures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: [key.key], source: { kind: 'scanner', location: 'config.js:3' } }),
    });
    expect(((await report.json()) as any).results[0].status).toBe('revoked');
    expect(await status(two, key.key)).toBe(401);
  });

  it('still refuses a revoked key after its listener connection is killed', async () => {
    const key = await newKey('Cut');
    expect(await status(two, key.key)).toBe(200);
    const [killed] = await listenerPids(two);
    await sql('select pg_terminate_backend($1)', [killed]);
    // Revoked while instance two may not be listening: the dropped connection must empty its cache.
    const revoke = await runLfk(['keys', 'revoke', key.id], { env });
    expect(revoke.code).toBe(0);
    // A terminated backend can linger in pg_stat_activity: wait for the new connection itself.
    await waitFor(async () => {
      const pids = await listenerPids(two);
      return pids.length === 1 && pids[0] !== killed;
    }, 'the listener to reconnect');
    expect(await status(two, key.key)).toBe(401);

    // And the new connection carries the next revocation.
    const next = await newKey('After reconnect');
    expect(await status(two, next.key)).toBe(200);
    await fetch(`${one.url}/v1/keys/${next.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${manager}` },
    });
    expect(await status(two, next.key)).toBe(401);
  });
});
