// One contract for the key service's store, run against SQLite and PostgreSQL alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../platform/errors.js';
import { hmslHashSync } from '../../platform/hmsl-hash.js';
import { sha256Hex } from '../../platform/key-format.js';
import { migrate } from '../../platform/database/migrations.js';
import { KeyService } from '../../key-service/service/key-service.js';
import { DIALECTS } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';

const CLI = { actor: { type: 'system' as const, id: 'test' } };

describe.each(DIALECTS)('store contract on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  it('migrates once, and again is a no-op', async () => {
    expect(await migrate(h.store.db, h.store.dialect)).toEqual([]);
    const names = await h.store.db.selectFrom('lfk_migrations').select('name').execute();
    const applied = names.map((row) => row.name);
    expect(applied[0]).toBe('0001_key_service');
    expect(new Set(applied).size).toBe(applied.length);
    expect([...applied].sort()).toEqual(applied);
  });

  it('stores only hashes and a display fragment of a key', async () => {
    const { accountId, key: created } = await h.createAccountWithKey({ name: 'Stored' });
    const row = await h.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.sha256).toBe(sha256Hex(created.key));
    expect(row.hmsl_hash).toBe(hmslHashSync(created.key));
    expect(row.prefix).toBe(created.key.slice(0, 11));
    expect(row.last4).toBe(created.key.slice(-4));
    expect(JSON.stringify(row)).not.toContain(created.key.slice(11, -4));
    const events = await h.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('account_id', '=', accountId)
      .execute();
    expect(JSON.stringify(events)).not.toContain(created.key);
  });

  it('rejects duplicate e-mail addresses', async () => {
    const { email } = await h.createAccount();
    await expect(
      h.service.createAccount({ name: 'Other', plan: 'pro', email, password: 'long enough pw' }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses keys on the free plan and names the plans', async () => {
    const { accountId } = await h.createAccount('free');
    const attempt = h.createKey(accountId);
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({
      code: 'plan_required',
      message: expect.stringMatching(/Pro and Agency/),
    });
    expect(await h.store.db.selectFrom('api_keys').select('id').where('account_id', '=', accountId).execute()).toEqual(
      [],
    );
  });

  it('lists newest first with cursor paging, search and status filter', async () => {
    const { accountId } = await h.createAccount('agency');
    const made = [];
    for (let index = 0; index < 5; index++)
      made.push(await h.createKey(accountId, { name: `Key ${index} ${index % 2 ? 'odd' : 'even'}` }));
    const first = await h.service.listKeys(accountId, { limit: 2 });
    expect(first.data.map((key) => key.id)).toEqual([made[4]!.id, made[3]!.id]);
    expect(first.next_cursor).not.toBeNull();
    const second = await h.service.listKeys(accountId, { limit: 2, cursor: first.next_cursor! });
    expect(second.data.map((key) => key.id)).toEqual([made[2]!.id, made[1]!.id]);
    const last = await h.service.listKeys(accountId, { limit: 2, cursor: second.next_cursor! });
    expect(last.data.map((key) => key.id)).toEqual([made[0]!.id]);
    expect(last.next_cursor).toBeNull();

    const odd = await h.service.listKeys(accountId, { limit: 50, q: 'ODD' });
    expect(odd.data.map((key) => key.id).sort()).toEqual([made[1]!.id, made[3]!.id].sort());
    const byPrefix = await h.service.listKeys(accountId, { limit: 50, q: made[2]!.prefix });
    expect(byPrefix.data.map((key) => key.id)).toContain(made[2]!.id);
    const byDisplay = await h.service.listKeys(accountId, { limit: 50, q: made[2]!.display });
    expect(byDisplay.data.map((key) => key.id)).toContain(made[2]!.id);
    const wildcard = await h.service.listKeys(accountId, { limit: 50, q: '%' });
    expect(wildcard.data).toEqual([]);

    await h.service.revokeKey(accountId, made[0]!.id, 'test', CLI);
    const revoked = await h.service.listKeys(accountId, { limit: 50, status: 'revoked' });
    expect(revoked.data.map((key) => key.id)).toEqual([made[0]!.id]);
    const active = await h.service.listKeys(accountId, { limit: 50, status: 'active' });
    expect(active.data).toHaveLength(4);
  });

  it('revokes for ever, idempotently, keeping the key listed', async () => {
    const { accountId, key: created } = await h.createAccountWithKey();
    expect(await h.service.authenticate(created.key)).not.toBeNull();
    const revoked = await h.service.revokeKey(accountId, created.id, 'rotated out', CLI);
    expect(revoked).toMatchObject({ status: 'revoked', revoked_reason: 'user' });
    expect(await h.service.authenticate(created.key)).toBeNull();
    const again = await h.service.revokeKey(accountId, created.id, undefined, CLI);
    expect(again).toEqual(revoked);
    const events = await h.service.listAuditEvents(accountId, { limit: 50 });
    expect(events.data.filter((event) => event.type === 'key.revoked')).toHaveLength(1);
    expect(events.data.find((event) => event.type === 'key.revoked')?.data).toMatchObject({
      reason: 'user',
      note: 'rotated out',
    });
    await expect(h.service.rollKey(accountId, created.id, 1, CLI)).rejects.toMatchObject({ code: 'key_revoked' });
  });

  it('rolls with a grace period, then records the expiry once', async () => {
    let now = new Date('2026-03-01T10:00:00.000Z');
    const service = new KeyService(h.store, { now: () => now });
    const { accountId } = await h.createAccount();
    const old = await service.createKey(accountId, { name: 'Rolling', scopes: ['enrichment', 'keys:manage'] }, CLI);
    const fresh = await service.rollKey(accountId, old.id, 2, CLI);
    expect(fresh).toMatchObject({ name: 'Rolling', scopes: ['enrichment', 'keys:manage'], status: 'active' });
    expect(fresh.key).not.toBe(old.key);
    expect(await service.authenticate(old.key)).not.toBeNull();
    expect((await service.getKey(accountId, old.id)).expires_at).toBe('2026-03-01T12:00:00.000Z');
    now = new Date('2026-03-01T12:00:01.000Z');
    expect(await service.authenticate(old.key)).toBeNull();
    expect(await service.authenticate(fresh.key)).not.toBeNull();
    expect((await service.getKey(accountId, old.id)).status).toBe('expired');
    expect(await service.sweepExpirations()).toBeGreaterThanOrEqual(1);
    expect(await service.sweepExpirations()).toBe(0);
    const types = (await service.listAuditEvents(accountId, { limit: 50 })).data.map((event) => event.type);
    expect(types.filter((type) => type === 'key.expired')).toHaveLength(1);
    expect(types).toContain('key.rolled');
  });

  it('rolls with a zero grace period by revoking the old key at once', async () => {
    const { accountId, key: old } = await h.createAccountWithKey();
    await h.service.rollKey(accountId, old.id, 0, CLI);
    expect(await h.service.getKey(accountId, old.id)).toMatchObject({ status: 'revoked', revoked_reason: 'rolled' });
    expect(await h.service.authenticate(old.key)).toBeNull();
  });

  it('computes rotation due from the account period and flags overdue keys', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const service = new KeyService(h.store, { now: () => now });
    const { accountId } = await h.createAccount();
    await service.updateAccount(accountId, { rotation_period_days: 30 }, CLI);
    const key = await service.createKey(accountId, { name: 'Rotate me' }, CLI);
    expect(key.rotation_due_at).toBe('2026-01-31T00:00:00.000Z');
    expect(key.rotation_overdue).toBe(false);
    now = new Date('2026-02-01T00:00:00.000Z');
    expect((await service.getKey(accountId, key.id)).rotation_overdue).toBe(true);
    await expect(service.updateAccount(accountId, { rotation_period_days: 29 }, CLI)).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('expires keys created with expires_in_days, fractional ones included', async () => {
    let now = new Date('2026-05-01T00:00:00.000Z');
    const service = new KeyService(h.store, { now: () => now });
    const { accountId } = await h.createAccount();
    const key = await service.createKey(accountId, { name: 'Short', expires_in_days: 0.5 }, CLI);
    expect(key.expires_at).toBe('2026-05-01T12:00:00.000Z');
    expect(await service.authenticate(key.key)).not.toBeNull();
    now = new Date('2026-05-01T12:00:00.000Z');
    expect(await service.authenticate(key.key)).toBeNull();
    expect((await service.listKeys(accountId, { limit: 10, status: 'expired' })).data.map((k) => k.id)).toEqual([
      key.id,
    ]);
  });

  it('never lets a key grant a scope it lacks', async () => {
    const { accountId } = await h.createAccount();
    const managerOnly = { actor: { type: 'key' as const, id: 'key_x' }, scopes: ['keys:manage' as const] };
    await expect(h.service.createKey(accountId, { name: 'x' }, managerOnly)).rejects.toMatchObject({
      code: 'insufficient_scope',
    });
    const made = await h.service.createKey(accountId, { name: 'x', scopes: ['keys:manage'] }, managerOnly);
    expect(made.scopes).toEqual(['keys:manage']);
  });

  it('reports exposures: revokes live keys once, records every report', async () => {
    const { accountId, key: live } = await h.createAccountWithKey({ name: 'Leaky' });
    const source = { kind: 'scanner' as const, url: 'https://github.com/acme/app/blob/main/.env', location: '.env:3' };
    const context = { actor: { type: 'reporter' as const }, ip: '203.0.113.9' };
    const decoy = 'lfk_sk_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0';
    const unknown = 'lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS';
    const first = await h.service.reportExposures([live.key, decoy, 'not a key', unknown, live.key], source, context);
    expect(first.results.map((result) => result.status)).toEqual([
      'revoked',
      'invalid',
      'invalid',
      'unknown',
      'already_revoked',
    ]);
    expect(first.results[0]).toEqual({ display: live.display, sha256: sha256Hex(live.key), status: 'revoked' });
    expect(first.results[2]!.display).toBeNull();
    expect(first.revoked).toHaveLength(1);
    expect(JSON.stringify(first)).not.toContain(live.key);
    expect(await h.service.getKey(accountId, live.id)).toMatchObject({
      status: 'revoked',
      revoked_reason: 'exposed:scanner',
    });
    const second = await h.service.reportExposures([live.key], { kind: 'other' }, context);
    expect(second.results[0]!.status).toBe('already_revoked');
    const events = (await h.service.listAuditEvents(accountId, { limit: 50 })).data;
    expect(events.filter((event) => event.type === 'key.exposed')).toHaveLength(3);
    expect(events.filter((event) => event.type === 'key.revoked')).toHaveLength(1);
    expect(events.find((event) => event.type === 'key.exposed' && event.data.location === '.env:3')).toMatchObject({
      actor: { type: 'reporter' },
      ip: '203.0.113.9',
      key_id: live.id,
      data: { source: 'scanner', url: source.url },
    });
    expect(JSON.stringify(events)).not.toContain(live.key);
  });

  it('reports exposures by HMSL hash with the GitGuardian reason', async () => {
    const { accountId, key: live } = await h.createAccountWithKey();
    const outcome = await h.service.reportExposedHashes(
      [hmslHashSync(live.key), 'f'.repeat(64), 'zz'],
      { kind: 'gitguardian' },
      { actor: { type: 'gitguardian' } },
      'exposed:gitguardian',
    );
    expect(outcome.results.map((result) => result.status)).toEqual(['revoked', 'unknown', 'invalid']);
    expect(await h.service.getKey(accountId, live.id)).toMatchObject({ revoked_reason: 'exposed:gitguardian' });
  });

  it('verifies keys without side effects', async () => {
    const { accountId } = await h.createAccount();
    const live = await h.createKey(accountId);
    const gone = await h.createKey(accountId);
    await h.service.revokeKey(accountId, gone.id, undefined, CLI);
    const results = await h.service.verifyKeys([
      live.key,
      gone.key,
      'lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS',
      'nope',
    ]);
    expect(results.map((result) => result.status)).toEqual(['active', 'revoked', 'unknown', 'invalid']);
    expect((await h.service.getKey(accountId, live.id)).status).toBe('active');
  });

  it('counts usage in batches and writes last_used at most once a minute', async () => {
    let now = new Date('2026-07-10T08:00:00.000Z');
    const service = new KeyService(h.store, { now: () => now });
    const { accountId } = await h.createAccount();
    const key = await service.createKey(accountId, { name: 'Busy' }, CLI);
    const verified = (await service.authenticate(key.key))!;
    for (let index = 0; index < 25; index++) service.recordUse(verified, '198.51.100.7');
    expect((await service.usageOf(verified)).key.requests).toBe(25);
    await service.flushUsage();
    const row = await h.store.db
      .selectFrom('usage_counters')
      .selectAll()
      .where('key_id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ requests: 25, period: '2026-07' });
    const lastUse = () =>
      h.store.db
        .selectFrom('api_keys')
        .select(['last_used_at', 'last_used_ip'])
        .where('id', '=', key.id)
        .executeTakeFirstOrThrow();
    expect(await lastUse()).toEqual({ last_used_at: '2026-07-10T08:00:00.000Z', last_used_ip: '198.51.100.7' });
    now = new Date('2026-07-10T08:00:30.000Z');
    service.recordUse(verified, '198.51.100.8');
    await service.flushUsage();
    expect((await lastUse()).last_used_at).toBe('2026-07-10T08:00:00.000Z');
    now = new Date('2026-07-10T08:01:01.000Z');
    service.recordUse(verified, '198.51.100.9');
    await service.flushUsage();
    expect(await lastUse()).toEqual({
      last_used_at: '2026-07-10T08:01:01.000Z',
      last_used_ip: '198.51.100.9',
    });
    const usage = await service.usageOf(verified);
    expect(usage.key.requests).toBe(27);
    expect(usage.account).toMatchObject({
      requests: 27,
      period_start: '2026-07-01T00:00:00.000Z',
      period_end: '2026-08-01T00:00:00.000Z',
    });
  });

  it('counts uses being written in every usage answer while the write runs, once', async () => {
    const service = new KeyService(h.store, { now: () => new Date('2026-09-01T10:00:00.000Z') });
    const { accountId } = await h.createAccount();
    const key = await service.createKey(accountId, { name: 'Mid-write' }, CLI);
    const verified = (await service.authenticate(key.key))!;
    service.recordUse(verified, null);
    // Totals read from the database, then two more uses, one of them after the write has begun.
    expect((await service.usageOf(verified)).key.requests).toBe(1);
    service.recordUse(verified, null);
    let written = false;
    const writing = service.flushUsage().then(() => (written = true));
    service.recordUse(verified, null);
    const seen = new Set<number | undefined>();
    // Microtask turns (SQLite's write never waits on I/O), then event-loop turns (PostgreSQL's does).
    for (let turn = 0; !written; turn++) {
      seen.add(service.usageOfCached(verified)?.key.requests);
      await (turn < 200 ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve)));
    }
    await writing;
    seen.add(service.usageOfCached(verified)?.key.requests);
    expect([...seen]).toEqual([3]);
    expect((await service.usageOf(verified)).account.requests).toBe(3);
  });

  it('keeps counters right with several instances writing at once', async () => {
    const now = () => new Date('2026-08-15T12:00:00.000Z');
    const instances = [
      new KeyService(h.store, { now }),
      new KeyService(h.store, { now }),
      new KeyService(h.store, { now }),
    ];
    const { accountId } = await h.createAccount();
    const key = await instances[0]!.createKey(accountId, { name: 'Shared' }, CLI);
    const verified = await Promise.all(instances.map(async (instance) => (await instance.authenticate(key.key))!));
    for (let round = 0; round < 5; round++) {
      instances.forEach((instance, index) => {
        for (let request = 0; request <= index; request++) instance.recordUse(verified[index]!, `10.0.0.${index}`);
      });
      await Promise.all(instances.map((instance) => instance.flushUsage()));
    }
    const row = await h.store.db
      .selectFrom('usage_counters')
      .selectAll()
      .where('key_id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.requests).toBe(5 * (1 + 2 + 3));
  });

  it('keeps the audit log per account, newest first, paged', async () => {
    const { accountId } = await h.createAccount();
    const other = await h.createAccount();
    for (let index = 0; index < 3; index++) await h.createKey(accountId, { name: `Audit ${index}` });
    await h.createKey(other.accountId, { name: 'Elsewhere' });
    const page = await h.service.listAuditEvents(accountId, { limit: 2 });
    expect(page.data.map((event) => event.key_name)).toEqual(['Audit 2', 'Audit 1']);
    const rest = await h.service.listAuditEvents(accountId, { limit: 2, cursor: page.next_cursor! });
    expect(rest.data.map((event) => event.key_name)).toEqual(['Audit 0']);
    expect(rest.next_cursor).toBeNull();
  });

  it('hides another account’s keys and jobs as not found', async () => {
    const mine = await h.createTenant();
    const theirs = await h.createTenant();
    await expect(h.service.getKey(mine.accountId, theirs.enrichment.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(h.service.revokeKey(mine.accountId, theirs.enrichment.id, undefined, CLI)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await h.service.authenticate(theirs.enrichment.key)).not.toBeNull();
    const job = await h.service.createJob(
      (await h.service.authenticate(theirs.enrichment.key))!,
      'https://example.com/leads.csv',
    );
    await expect(h.service.getJob(mine.accountId, job.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('sets the notification URL and returns its secret only the first time', async () => {
    const { accountId } = await h.createAccount();
    const first = await h.service.updateAccount(accountId, { notification_url: 'https://hooks.example.com/lfk' }, CLI);
    expect(first.notification_secret).toMatch(/^whsec_/);
    const second = await h.service.updateAccount(
      accountId,
      { notification_url: 'https://hooks.example.com/other' },
      CLI,
    );
    expect(second.notification_secret).toBeUndefined();
    expect(await h.service.getAccount(accountId)).toMatchObject({
      notification_url: 'https://hooks.example.com/other',
    });
  });
});
