// The newcomer's path and the database commands, through the built `lfk` binary.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../support/databases.js';
import {
  MANAGER_SCOPES,
  OWNER_PASSWORD,
  accountsCreateArgs,
  createAccountWithLfk,
  runLfk,
  startLfkServer,
  type LfkAccount,
  type ServerProcess,
  useLfkServer,
} from '../support/cli.js';

async function usage(url: string, headers: Record<string, string>) {
  const response = await fetch(`${url}/v1/usage`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe.each(DIALECTS)('lfk serve, accounts and keys on %s', (dialect) => {
  let database: TestDatabase;
  let server: ServerProcess;
  let env: Record<string, string>;

  useLfkServer(dialect, {}, (made) => ({ database, env, server } = made));

  /** A new account made through the CLI (`lfk accounts create --json`'s account). */
  async function newAccount(account: LfkAccount): Promise<{ id: string }> {
    return JSON.parse((await createAccountWithLfk(account, { env })).stdout).account;
  }
  /** A new key made through the CLI (`lfk keys create --json`'s answer, the key shown once). */
  async function newKey(accountId: string, name: string): Promise<{ id: string; key: string }> {
    return JSON.parse(
      (await runLfk(['keys', 'create', '--account', accountId, '--name', name, '--json'], { env })).stdout,
    );
  }

  it('walks the newcomer path: account, key, both headers, revoke, 401 on the very next call', async () => {
    const account = await createAccountWithLfk(
      { name: 'Acme Corp', email: `dev-${dialect}@acme.test`, plan: 'pro' },
      { env, input: `${OWNER_PASSWORD}\n` },
    );
    expect(account.stderr).toBe('');
    expect(account.code).toBe(0);
    const { account: acct, user } = JSON.parse(account.stdout);
    expect(acct).toMatchObject({ name: 'Acme Corp', plan: 'pro', id: expect.stringMatching(/^acct_/) });
    expect(user).toMatchObject({ email: `dev-${dialect}@acme.test`, id: expect.stringMatching(/^usr_/) });

    const created = await runLfk(['keys', 'create', '--account', acct.id, '--name', 'CRM sync', '--json'], { env });
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key.key).toMatch(/^lfk_sk_[0-9A-Za-z]{40}$/);
    expect(key).toMatchObject({ name: 'CRM sync', scopes: ['enrichment'], status: 'active', created_by: 'cli' });

    const viaBearer = await usage(server.url, { authorization: `Bearer ${key.key}` });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.key).toMatchObject({ id: key.id, name: 'CRM sync' });
    const viaHeader = await usage(server.url, { 'x-api-key': key.key });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.account).toMatchObject({ id: acct.id, plan: 'pro' });
    expect(viaHeader.body.key.requests).toBe(2);

    const revoked = await runLfk(['keys', 'revoke', key.id, '--note', 'leaked in a screenshot', '--json'], { env });
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: key.id, status: 'revoked', revoked_reason: 'user' });

    const after = await usage(server.url, { authorization: `Bearer ${key.key}` });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('invalid_api_key');

    const listed = await runLfk(['keys', 'list', '--account', acct.id, '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, status: 'revoked' })]);
    expect(listed.stdout).not.toContain(key.key);
    expect(server.output()).not.toContain(key.key);
  });

  it('refuses keys on the free plan with exit 1 and a message naming the plans', async () => {
    const acct = await newAccount({ name: 'Free Co', email: `free-${dialect}@acme.test`, plan: 'free' });
    const refused = await runLfk(['keys', 'create', '--account', acct.id, '--name', 'Nope'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Pro and Agency/);
    expect(refused.stdout).toBe('');
    const listed = await runLfk(['keys', 'list', '--account', acct.id, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('prints the key once in text mode, with the warning', async () => {
    const acct = await newAccount({ name: 'Text Co', email: `text-${dialect}@acme.test`, plan: 'agency' });
    const created = await runLfk(['keys', 'create', '--account', acct.id, '--name', 'Ops', ...MANAGER_SCOPES], { env });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/lfk_sk_[0-9A-Za-z]{40}/);
    expect(created.stdout).toMatch(/shown this once/);
    const list = await runLfk(['keys', 'list', '--account', acct.id], { env });
    expect(list.stdout).toMatch(/lfk_sk_\w{4}…\w{4}\s+Ops\s+\[keys:manage enrichment\]\s+active/);
  });

  it('writes counted usage on SIGTERM before exiting', async () => {
    const own = await startLfkServer(env);
    const acct = await newAccount({ name: 'Stop Co', email: `stop-${dialect}@acme.test`, plan: 'pro' });
    const key = await newKey(acct.id, 'Counted');
    const calls = await Promise.all(Array.from({ length: 20 }, () => usage(own.url, { 'x-api-key': key.key })));
    expect(calls.every((call) => call.status === 200)).toBe(true);
    expect(await own.stop('SIGTERM')).toBe(0);
    const store = await database.open();
    try {
      const row = await store.db
        .selectFrom('usage_counters')
        .selectAll()
        .where('key_id', '=', key.id)
        .executeTakeFirstOrThrow();
      expect(row.requests).toBe(20);
      const used = await store.db
        .selectFrom('api_keys')
        .select('last_used_at')
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow();
      expect(used.last_used_at).not.toBeNull();
    } finally {
      await store.close();
    }
  });

  it('refuses a revocation note over 500 characters with exit 2, as the API and the page do, and keeps the key live', async () => {
    const acct = await newAccount({ name: 'Note Co', email: `note-${dialect}@acme.test`, plan: 'pro' });
    const key = await newKey(acct.id, 'Noted');
    const refused = await runLfk(['keys', 'revoke', key.id, '--note', 'n'.repeat(501)], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/The note must be at most 500 characters/);
    const listed = await runLfk(['keys', 'list', '--account', acct.id, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, status: 'active' })]);
    const revoked = await runLfk(['keys', 'revoke', key.id, '--note', 'n'.repeat(500), '--json'], { env });
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: key.id, status: 'revoked' });
  });

  it('refuses an owner password over 1024 characters with exit 2, as the setup page does (sign-in takes no longer one)', async () => {
    const refused = await runLfk(
      accountsCreateArgs({ name: 'Long Co', email: `long-${dialect}@acme.test`, plan: 'pro' }),
      { env, input: 'p'.repeat(1025) },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/The password must be at most 1024 characters/);
  });

  it('rejects a duplicate e-mail with exit 1', async () => {
    const args = accountsCreateArgs({ name: 'Dup', email: `dup-${dialect}@acme.test`, plan: 'pro' });
    expect((await runLfk(args, { env, input: OWNER_PASSWORD })).code).toBe(0);
    const again = await runLfk(args, { env, input: OWNER_PASSWORD });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });
});

describe('lfk command-line errors', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-cli-'));
    env = { LFK_DATABASE_URL: `sqlite:${join(dir, 'lfk.db')}` };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const usageErrors: [string, string[], RegExp][] = [
    ['no command', [], /Usage/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['accounts without an action', ['accounts'], /usage: lfk accounts create/],
    ['accounts with missing flags', ['accounts', 'create', '--name', 'X'], /--name, --email and --plan are required/],
    [
      'a bad plan',
      ['accounts', 'create', '--name', 'X', '--email', 'x@y.z', '--plan', 'gold', '--password-stdin'],
      /--plan must be one of free, pro, agency/,
    ],
    [
      'a password flag instead of stdin',
      ['accounts', 'create', '--name', 'X', '--email', 'x@y.z', '--plan', 'pro', '--password', 'hunter2'],
      /Unknown option '--password'/,
    ],
    [
      'no --password-stdin',
      ['accounts', 'create', '--name', 'X', '--email', 'x@y.z', '--plan', 'pro'],
      /--password-stdin is required/,
    ],
    ['keys without an action', ['keys'], /usage:/],
    [
      'an unknown scope',
      ['keys', 'create', '--account', 'acct_x', '--name', 'N', '--scope', 'admin'],
      /unknown scope "admin"/,
    ],
    ['a revoke without an id', ['keys', 'revoke'], /give exactly one key id/],
    ['a revoke of an unknown key', ['keys', 'revoke', 'key_08DvPHU9EOjcJP0bCBc0w4'], /No key with that id/],
    [
      'keys for an unknown account',
      ['keys', 'create', '--account', 'acct_nope', '--name', 'N'],
      /No account with that id/,
    ],
    ['a bad --port', ['serve', '--port', 'eighty'], /--port/],
  ];
  it.each(usageErrors)('exits 2 on %s', async (_name, args, message) => {
    const result = await runLfk(args, { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('exits 2 with a readable message when the database URL is wrong', async () => {
    const result = await runLfk(['keys', 'list', '--account', 'acct_x'], { env: { LFK_DATABASE_URL: 'mysql://nope' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/LFK_DATABASE_URL must start with sqlite: or postgres:\/\//);
  });

  it('exits 2 and hides the password when PostgreSQL does not answer', async () => {
    const result = await runLfk(['keys', 'list', '--account', 'acct_x'], {
      env: { LFK_DATABASE_URL: 'postgres://lfk:s3cret@127.0.0.1:1/none' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot open the database \(postgres:\/\/lfk:\*\*\*@127\.0\.0\.1:1\/none\)/);
    expect(result.stderr).not.toContain('s3cret');
  });

  it.skipIf(process.env.LFK_DATABASE_URL !== undefined)(
    'reads settings from .env in the current directory, the environment winning',
    async () => {
      writeFileSync(join(dir, '.env'), `LFK_DATABASE_URL=sqlite:${join(dir, 'from-dotenv.db')}\n`);
      const created = await createAccountWithLfk(
        { name: 'Dotenv', email: 'dotenv@acme.test', plan: 'pro' },
        { cwd: dir },
      );
      expect(created.code).toBe(0);
      const { account } = JSON.parse(created.stdout);
      const fromFile = await runLfk(['keys', 'list', '--account', account.id, '--json'], { cwd: dir });
      expect(fromFile.code).toBe(0);
      const overridden = await runLfk(['keys', 'list', '--account', account.id], { cwd: dir, env });
      expect(overridden.code).toBe(2);
      expect(overridden.stderr).toMatch(/No account with that id/);
    },
  );
});
