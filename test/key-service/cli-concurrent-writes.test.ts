// The CLI writes while the server writes (docs/security.md promises it may): `lfk keys create` and
// `lfk keys revoke` run while `lfk serve` is busy creating keys over HTTP, on one database. On
// SQLite each waits for the other's write lock instead of failing with "database is locked"
// (exit 1 from the CLI, 503 from the server). Real processes, built `lfk` (npm run build).
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import {
  MANAGER_SCOPES,
  OWNER_PASSWORD,
  createAccountWithLfk,
  runLfk,
  useLfkServer,
  type CliResult,
  type ServerProcess,
} from '../support/cli.js';

const ROUNDS = 10;
// One client creating keys flat out keeps the server's write lock held most of the time (each key's
// scrypt hash is computed inside its transaction). More would saturate the server with writes, and
// SQLite does not queue waiters fairly (a busy wait polls), so others could be starved of the lock.
const HTTP_LOOPS = 1;
/** Per loop: a bound on the requests, should the CLI take far longer than expected. */
const MAX_REQUESTS = 2000;

describe.each(DIALECTS)('the CLI writing while the server writes, on %s', (dialect) => {
  let server: ServerProcess;
  let env: Record<string, string>;

  // The loops below make far more than the default 100 requests a second with one key.
  useLfkServer(dialect, { LFK_KEY_RATE_LIMIT: '1000000', LFK_LOG_LEVEL: 'warn' }, (made) => ({ env, server } = made));

  it(`${ROUNDS} keys create and ${ROUNDS} keys revoke from the CLI all succeed, and so does every request to the server`, {
    timeout: 180_000,
  }, async () => {
    const account = await createAccountWithLfk(
      { name: 'Busy Co', email: `busy-${dialect}@acme.test`, plan: 'pro' },
      { env, input: `${OWNER_PASSWORD}\n` },
    );
    expect(account.code, account.stderr).toBe(0);
    const accountId: string = JSON.parse(account.stdout).account.id;
    const manager = await runLfk(
      ['keys', 'create', '--account', accountId, '--name', 'Ops', ...MANAGER_SCOPES, '--json'],
      {
        env,
      },
    );
    expect(manager.code, manager.stderr).toBe(0);
    const managerKey: string = JSON.parse(manager.stdout).key;

    const createOverHttp = (name: string) =>
      fetch(`${server.url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${managerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    // The keys the CLI will revoke, made before the contention starts.
    const targets: string[] = [];
    for (let index = 0; index < ROUNDS; index++) {
      const response = await createOverHttp(`target ${index}`);
      expect(response.status).toBe(201);
      targets.push(((await response.json()) as { id: string }).id);
    }

    let stop = false;
    const answers: number[] = [];
    const failures: string[] = [];
    const loop = async (which: number) => {
      for (let index = 0; !stop && index < MAX_REQUESTS; index++) {
        const response = await createOverHttp(`http ${which}.${index}`);
        answers.push(response.status);
        const body = await response.text();
        if (response.status !== 201) failures.push(`${response.status} ${body}`);
      }
    };
    const loops = Array.from({ length: HTTP_LOOPS }, (_, which) => loop(which));

    const creates: CliResult[] = [];
    const revokes: CliResult[] = [];
    try {
      // Let the loops get going first, so every CLI command meets them.
      while (answers.length < 20 && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      for (let index = 0; index < ROUNDS; index++) {
        creates.push(
          await runLfk(['keys', 'create', '--account', accountId, '--name', `cli ${index}`, '--json'], { env }),
        );
        revokes.push(await runLfk(['keys', 'revoke', targets[index]!, '--note', 'contention test', '--json'], { env }));
      }
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    const failed = (results: CliResult[]) => results.filter((result) => result.code !== 0);
    const locked = (results: CliResult[]) => results.filter((result) => /database is locked/.test(result.stderr));
    expect({
      createsFailed: `${failed(creates).length} of ${ROUNDS}`,
      revokesFailed: `${failed(revokes).length} of ${ROUNDS}`,
      lockedMessages: locked(creates).length + locked(revokes).length,
      firstError: [...failed(creates), ...failed(revokes)][0]?.stderr.trim() ?? '',
      serverNon2xx: `${failures.length} of ${answers.length}${failures.length ? ` (${[...new Set(failures.map((failure) => failure.slice(0, 3)))].join(', ')})` : ''}`,
    }).toEqual({
      createsFailed: `0 of ${ROUNDS}`,
      revokesFailed: `0 of ${ROUNDS}`,
      lockedMessages: 0,
      firstError: '',
      serverNon2xx: `0 of ${answers.length}`,
    });
    expect(failures).toEqual([]);
    expect(creates.map((result) => result.stderr).join('')).toBe('');
    expect(revokes.map((result) => result.stderr).join('')).toBe('');
    for (const result of revokes)
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'revoked', revoked_reason: 'user' });
    expect(server.output()).not.toMatch(/database is locked|SQLITE_BUSY/);

    // Everything the CLI and the server said they made is there.
    const listed = await runLfk(['keys', 'list', '--account', accountId, '--json'], { env });
    const keys = JSON.parse(listed.stdout) as Array<{ id: string; name: string; status: string }>;
    for (const result of creates) expect(keys.map((key) => key.id)).toContain(JSON.parse(result.stdout).id);
    expect(keys.filter((key) => targets.includes(key.id)).every((key) => key.status === 'revoked')).toBe(true);
  });
});
