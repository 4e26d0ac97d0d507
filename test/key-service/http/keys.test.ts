// The key lifecycle (docs/key-service.md#keys, #routes) through the key routes: create, list, get,
// revoke, roll.
import { describe, expect, it } from 'vitest';
import { isWellFormedKey } from '../../../platform/key-format.js';
import { DIALECTS } from '../../support/databases.js';
import type { Harness } from '../../support/harness.js';
import {
  type ApiClient,
  eventsOf,
  expectError,
  expectKeyObject,
  expectNoChange,
  expectStatus,
  keyRow,
  type Tenant,
  useRouteTenants,
} from '../../support/http.js';

const HOUR_MS = 3_600_000;

describe.each(DIALECTS)('key routes on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;
  let tenant: Tenant;
  let stranger: Tenant;

  useRouteTenants(dialect, (made) => ({ h, api, tenant, stranger } = made));

  describe('POST /v1/keys', () => {
    it('creates a key: 201, the key object plus the full key, default scope enrichment', async () => {
      const before = Date.now();
      const response = await api.post('/v1/keys', { name: '  Production CRM sync ' }, tenant.admin.key);
      expectStatus(response, 201);
      expectKeyObject(response.body, {
        name: 'Production CRM sync',
        scopes: ['enrichment'],
        status: 'active',
        created_by: tenant.admin.id,
        last_used_at: null,
        expires_at: null,
        revoked_at: null,
        revoked_reason: null,
        rotation_overdue: false,
      });
      const key: string = response.body.key;
      expect(isWellFormedKey(key)).toBe(true);
      expect(response.body.prefix).toBe(key.slice(0, 11));
      expect(response.body.last4).toBe(key.slice(-4));
      const created = Date.parse(response.body.created_at);
      expect(created).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(response.body.rotation_due_at) - created).toBe(90 * 24 * HOUR_MS);
      // The new key works, with the scope it was given.
      expectStatus(await api.get('/v1/usage', key), 200);
      expectError(await api.get('/v1/keys', key), 403, 'insufficient_scope');
      // key.created is audited without the key.
      const events = await eventsOf(h, tenant.accountId, 'key.created');
      expect(events.map((event) => event.key_id)).toContain(response.body.id);
    });

    it('takes named scopes and a fractional expires_in_days', async () => {
      const response = await api.post(
        '/v1/keys',
        { name: 'Half a day', scopes: ['keys:manage', 'enrichment'], expires_in_days: 0.5 },
        tenant.admin.key,
      );
      expectStatus(response, 201);
      expect(response.body.scopes.sort()).toEqual(['enrichment', 'keys:manage']);
      expect(Date.parse(response.body.expires_at) - Date.parse(response.body.created_at)).toBe(12 * HOUR_MS);
    });

    it('lets a keys:manage-only key mint keys:manage, but not a default (enrichment) key', async () => {
      const refused = await expectNoChange(h, () =>
        api.post('/v1/keys', { name: 'Default scopes' }, tenant.manager.key),
      );
      expectError(refused, 403, 'insufficient_scope');
      const escalation = await expectNoChange(h, () =>
        api.post('/v1/keys', { name: 'Both', scopes: ['enrichment', 'keys:manage'] }, tenant.manager.key),
      );
      expectError(escalation, 403, 'insufficient_scope');
      const allowed = await api.post(
        '/v1/keys',
        { name: 'Another manager', scopes: ['keys:manage', 'keys:manage'] },
        tenant.manager.key,
      );
      expectStatus(allowed, 201);
      // Scopes are a set.
      expect(allowed.body.scopes).toEqual(['keys:manage']);
    });

    it('refuses a free account with 403 plan_required naming Pro and Agency', async () => {
      const downgraded = await h.createTenant();
      await h.store.db.updateTable('accounts').set({ plan: 'free' }).where('id', '=', downgraded.accountId).execute();
      const response = await expectNoChange(h, () =>
        api.post('/v1/keys', { name: 'On free', scopes: ['keys:manage'] }, downgraded.manager.key),
      );
      expectError(response, 403, 'plan_required', /Pro.*Agency|Agency.*Pro/);
    });

    it('refuses bad values with 400 invalid_request, changing nothing', async () => {
      const bodies: [unknown, RegExp][] = [
        [{}, /name/],
        [{ name: '' }, /name/],
        [{ name: '   ' }, /name/],
        [{ name: 'x'.repeat(101) }, /name/],
        [{ name: 42 }, /name/],
        [{ name: 'Nul \u0000 byte' }, /name/],
        [{ name: 'Scopes', scopes: 'enrichment' }, /scopes/],
        [{ name: 'Scopes', scopes: [] }, /scopes/],
        [{ name: 'Scopes', scopes: ['admin'] }, /scopes/],
        [{ name: 'Expiry', expires_in_days: 0 }, /expires_in_days/],
        [{ name: 'Expiry', expires_in_days: -1 }, /expires_in_days/],
        [{ name: 'Expiry', expires_in_days: '30' }, /expires_in_days/],
        [{ name: 'Unknown', owner: 'me' }, /"owner"/],
        [[{ name: 'Array' }], /body|expected object/i],
      ];
      for (const [body, message] of bodies) {
        const response = await expectNoChange(h, () => api.post('/v1/keys', body, tenant.admin.key));
        expectError(response, 400, 'invalid_request', message);
      }
    });
  });

  describe('GET /v1/keys', () => {
    it('lists the account’s keys newest first, without the full key, with cursor paging', async () => {
      const agency = await h.createTenant();
      const made = [];
      for (let index = 0; index < 3; index++) {
        const response = await api.post(
          '/v1/keys',
          { name: `Listed ${index}`, scopes: ['keys:manage'] },
          agency.manager.key,
        );
        expectStatus(response, 201);
        made.push(response.body);
      }
      const all = await api.get('/v1/keys', agency.manager.key);
      expectStatus(all, 200);
      expect(Object.keys(all.body).sort()).toEqual(['data', 'next_cursor']);
      expect(all.body.next_cursor).toBeNull();
      const ids = all.body.data.map((key: { id: string }) => key.id);
      expect(ids).toEqual([
        made[2].id,
        made[1].id,
        made[0].id,
        agency.admin.id,
        agency.enrichment.id,
        agency.manager.id,
      ]);
      for (const key of all.body.data) expectKeyObject(key);
      expect(all.body.data[0]).toEqual(Object.fromEntries(Object.entries(made[2]).filter(([name]) => name !== 'key')));

      const first = await api.get('/v1/keys?limit=2', agency.manager.key);
      expect(first.body.data.map((key: { id: string }) => key.id)).toEqual(ids.slice(0, 2));
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await api.get(
        `/v1/keys?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
        agency.manager.key,
      );
      expect(second.body.data.map((key: { id: string }) => key.id)).toEqual(ids.slice(2, 4));
      const third = await api.get(
        `/v1/keys?limit=2&cursor=${encodeURIComponent(second.body.next_cursor)}`,
        agency.manager.key,
      );
      expect(third.body.data.map((key: { id: string }) => key.id)).toEqual(ids.slice(4, 6));
      expect(third.body.next_cursor).toBeNull();

      for (const limit of ['1', '100']) expectStatus(await api.get(`/v1/keys?limit=${limit}`, agency.manager.key), 200);
    });

    it('filters by ?status= and ?q= (name or prefix)', async () => {
      const account = await h.createTenant();
      const revoked = await api.post(
        '/v1/keys',
        { name: 'Old nightly export', scopes: ['keys:manage'] },
        account.manager.key,
      );
      expectStatus(await api.post(`/v1/keys/${revoked.body.id}/revoke`, {}, account.manager.key), 200);
      const onlyRevoked = await api.get('/v1/keys?status=revoked', account.manager.key);
      expect(onlyRevoked.body.data.map((key: { id: string }) => key.id)).toEqual([revoked.body.id]);
      expect(onlyRevoked.body.data[0].status).toBe('revoked');
      const active = await api.get('/v1/keys?status=active', account.manager.key);
      expect(active.body.data.map((key: { id: string }) => key.id)).not.toContain(revoked.body.id);
      const byName = await api.get('/v1/keys?q=NIGHTLY', account.manager.key);
      expect(byName.body.data.map((key: { id: string }) => key.id)).toEqual([revoked.body.id]);
      const byPrefix = await api.get(
        `/v1/keys?q=${encodeURIComponent(account.enrichment.prefix)}`,
        account.manager.key,
      );
      expect(byPrefix.body.data.map((key: { id: string }) => key.id)).toContain(account.enrichment.id);
      expectError(await api.get('/v1/keys?status=deleted', account.manager.key), 400, 'invalid_request');
    });

    it('pages 50 by default, and flags expired keys and keys past their rotation date', async () => {
      const big = await h.createTenant();
      for (let index = 0; index < 48; index++) await h.createKey(big.accountId, { name: `Bulk ${index}` });
      const first = await api.get('/v1/keys', big.manager.key);
      expect(first.body.data).toHaveLength(50);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const rest = await api.get(`/v1/keys?cursor=${encodeURIComponent(first.body.next_cursor)}`, big.manager.key);
      expect(rest.body.data.map((key: { id: string }) => key.id)).toEqual([big.manager.id]);
      expect(rest.body.next_cursor).toBeNull();

      const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
      await h.store.db.updateTable('api_keys').set({ created_at: old }).where('id', '=', big.enrichment.id).execute();
      await h.store.db
        .updateTable('api_keys')
        .set({ expires_at: '2001-01-01T00:00:00.000Z' })
        .where('id', '=', big.admin.id)
        .execute();
      const overdue = await api.get(`/v1/keys/${big.enrichment.id}`, big.manager.key);
      expect(overdue.body).toMatchObject({
        status: 'active',
        rotation_overdue: true,
        rotation_due_at: new Date(Date.parse(old) + 90 * 86_400_000).toISOString(),
      });
      const expired = await api.get('/v1/keys?status=expired', big.manager.key);
      expect(expired.body.data.map((key: { id: string }) => key.id)).toEqual([big.admin.id]);
      expect(expired.body.data[0]).toMatchObject({ status: 'expired', rotation_overdue: false });
    });

    it('refuses ?limit= outside 1–100, a non-number, and a cursor it did not issue', async () => {
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=abc',
        'limit=1.5',
        'cursor=garbage',
        'cursor=a2V5XzAw',
        'sort=name',
        'q=a%00b',
        `q=${'x'.repeat(101)}`,
      ]) {
        expectError(await api.get(`/v1/keys?${query}`, tenant.manager.key), 400, 'invalid_request');
      }
    });

    it('never lists another account’s keys', async () => {
      const mine = await api.get('/v1/keys', stranger.manager.key);
      const ids = mine.body.data.map((key: { id: string }) => key.id);
      expect(ids.sort()).toEqual([stranger.manager.id, stranger.enrichment.id, stranger.admin.id].sort());
    });
  });

  describe('GET /v1/keys/{id}', () => {
    it('returns one key object, never the full key', async () => {
      const response = await api.get(`/v1/keys/${tenant.enrichment.id}`, tenant.manager.key);
      expectStatus(response, 200);
      expectKeyObject(response.body, {
        id: tenant.enrichment.id,
        name: 'Enrichment',
        scopes: ['enrichment'],
        status: 'active',
      });
      expect(response.body).not.toHaveProperty('key');
    });

    it('answers 404 for an unknown id and for another account’s key (never 403)', async () => {
      for (const id of [
        'key_0000000000000000000000',
        'nonsense',
        'key_%00',
        '%ZZ',
        stranger.enrichment.id,
        stranger.manager.id,
      ]) {
        expectError(await api.get(`/v1/keys/${id}`, tenant.manager.key), 404, 'not_found');
      }
    });
  });

  describe('POST /v1/keys/{id}/revoke', () => {
    it('revokes with reason user, keeps the note in the audit event, and the key stays listed', async () => {
      const target = await h.createKey(tenant.accountId, { name: 'To revoke' });
      const response = await api.post(`/v1/keys/${target.id}/revoke`, { note: 'left the company' }, tenant.manager.key);
      expectStatus(response, 200);
      expectKeyObject(response.body, {
        id: target.id,
        status: 'revoked',
        revoked_reason: 'user',
        revoked_at: expect.any(String),
      });
      const [event] = await eventsOf(h, tenant.accountId, 'key.revoked').then((events) =>
        events.filter((row) => row.key_id === target.id),
      );
      expect(JSON.parse(event!.data)).toMatchObject({ reason: 'user', note: 'left the company' });
      expect(event).toMatchObject({ actor_type: 'key', actor_id: tenant.manager.id });
      const listed = await api.get('/v1/keys?status=revoked', tenant.manager.key);
      expect(listed.body.data.map((key: { id: string }) => key.id)).toContain(target.id);
      expectError(await api.get('/v1/usage', target.key), 401, 'invalid_api_key');
    });

    it('accepts no body at all', async () => {
      const target = await h.createKey(tenant.accountId, { name: 'No body' });
      expectStatus(await api.call('POST', `/v1/keys/${target.id}/revoke`, { key: tenant.manager.key }), 200);
    });

    it('replayed: the same object, one key.revoked event', async () => {
      const target = await h.createKey(tenant.accountId, { name: 'Twice' });
      const first = await api.post(`/v1/keys/${target.id}/revoke`, {}, tenant.manager.key);
      const second = await expectNoChange(h, () =>
        api.post(`/v1/keys/${target.id}/revoke`, { note: 'again' }, tenant.manager.key),
      );
      expectStatus(second, 200);
      expect(second.body).toEqual(first.body);
      const events = (await eventsOf(h, tenant.accountId, 'key.revoked')).filter((row) => row.key_id === target.id);
      expect(events).toHaveLength(1);
    });

    it('replayed concurrently: both answers equal, one key.revoked event', async () => {
      const target = await h.createKey(tenant.accountId, { name: 'Raced' });
      const [first, second] = await Promise.all([
        api.post(`/v1/keys/${target.id}/revoke`, {}, tenant.manager.key),
        api.post(`/v1/keys/${target.id}/revoke`, {}, tenant.manager.key),
      ]);
      expectStatus(first, 200);
      expectStatus(second, 200);
      expect(second.body).toEqual(first.body);
      expect(
        (await eventsOf(h, tenant.accountId, 'key.revoked')).filter((row) => row.key_id === target.id),
      ).toHaveLength(1);
    });

    it('answers 404 for another account’s key and changes nothing', async () => {
      for (const path of [`/v1/keys/${stranger.enrichment.id}/revoke`, `/v1/keys/${stranger.enrichment.id}/roll`]) {
        const response = await expectNoChange(h, () => api.post(path, {}, tenant.admin.key));
        expectError(response, 404, 'not_found');
      }
      for (const id of ['key_0000000000000000000000', 'key_%00']) {
        expectError(
          await expectNoChange(h, () => api.post(`/v1/keys/${id}/revoke`, {}, tenant.admin.key)),
          404,
          'not_found',
        );
        expectError(
          await expectNoChange(h, () => api.post(`/v1/keys/${id}/roll`, {}, tenant.admin.key)),
          404,
          'not_found',
        );
      }
      expect((await keyRow(h, stranger.enrichment.id)).revoked_at).toBeNull();
      expectStatus(await api.get('/v1/usage', stranger.enrichment.key), 200);
    });

    it('refuses a note that is not text, or unknown fields', async () => {
      const target = await h.createKey(tenant.accountId, { name: 'Bad note' });
      for (const [body, message] of [
        [{ note: 5 }, /note/],
        [{ reason: 'user' }, /"reason"/],
        [{ note: 'x'.repeat(501) }, /note/],
      ] as const) {
        const response = await expectNoChange(h, () =>
          api.post(`/v1/keys/${target.id}/revoke`, body, tenant.manager.key),
        );
        expectError(response, 400, 'invalid_request', message);
      }
      expect((await keyRow(h, target.id)).revoked_at).toBeNull();
    });
  });

  describe('POST /v1/keys/{id}/roll', () => {
    it('returns 201 with a new key of the same name and scopes; the old one works through the grace period', async () => {
      const old = await h.createKey(tenant.accountId, { name: 'Rolling', scopes: ['enrichment'] });
      expectStatus(await api.get('/v1/usage', old.key), 200);
      const response = await api.post(`/v1/keys/${old.id}/roll`, {}, tenant.admin.key);
      expectStatus(response, 201);
      expectKeyObject(response.body, { name: 'Rolling', scopes: ['enrichment'], status: 'active', revoked_at: null });
      expect(response.body.id).not.toBe(old.id);
      expect(isWellFormedKey(response.body.key)).toBe(true);
      expect(response.body.key).not.toBe(old.key);
      expectStatus(await api.get('/v1/usage', response.body.key), 200);
      expectStatus(await api.get('/v1/usage', old.key), 200);
      const oldNow = await api.get(`/v1/keys/${old.id}`, tenant.admin.key);
      expect(oldNow.body.status).toBe('active');
      const graceLeft = Date.parse(oldNow.body.expires_at) - Date.parse(response.body.created_at);
      expect(graceLeft).toBe(24 * HOUR_MS);
      const rolled = (await eventsOf(h, tenant.accountId, 'key.rolled')).filter((row) => row.key_id === old.id);
      expect(rolled).toHaveLength(1);
    });

    it('takes a fractional grace period', async () => {
      const old = await h.createKey(tenant.accountId, { name: 'Half hour' });
      const response = await api.post(`/v1/keys/${old.id}/roll`, { grace_period_hours: 0.5 }, tenant.admin.key);
      expectStatus(response, 201);
      const oldNow = await api.get(`/v1/keys/${old.id}`, tenant.admin.key);
      expect(Date.parse(oldNow.body.expires_at) - Date.parse(response.body.created_at)).toBe(HOUR_MS / 2);
    });

    it('with grace 0 revokes the old key at once (reason rolled)', async () => {
      const old = await h.createKey(tenant.accountId, { name: 'No grace' });
      expectStatus(await api.get('/v1/usage', old.key), 200);
      const response = await api.post(`/v1/keys/${old.id}/roll`, { grace_period_hours: 0 }, tenant.admin.key);
      expectStatus(response, 201);
      expectError(await api.get('/v1/usage', old.key), 401, 'invalid_api_key');
      expectStatus(await api.get('/v1/usage', response.body.key), 200);
      const oldNow = await api.get(`/v1/keys/${old.id}`, tenant.admin.key);
      expect(oldNow.body).toMatchObject({ status: 'revoked', revoked_reason: 'rolled' });
    });

    it('refuses to roll a revoked key, to grant scopes the caller lacks, and bad grace values', async () => {
      const revoked = await h.createKey(tenant.accountId, { name: 'Gone' });
      await api.post(`/v1/keys/${revoked.id}/revoke`, {}, tenant.manager.key);
      expectError(
        await expectNoChange(h, () => api.post(`/v1/keys/${revoked.id}/roll`, {}, tenant.admin.key)),
        409,
        'key_revoked',
      );
      // A keys:manage-only key cannot roll an enrichment key: the new key would carry a scope it lacks.
      expectError(
        await expectNoChange(h, () => api.post(`/v1/keys/${tenant.enrichment.id}/roll`, {}, tenant.manager.key)),
        403,
        'insufficient_scope',
      );
      for (const body of [
        { grace_period_hours: -1 },
        { grace_period_hours: '24' },
        { grace_period_hours: 721 },
        { grace: 1 },
      ]) {
        const response = await expectNoChange(h, () =>
          api.post(`/v1/keys/${tenant.enrichment.id}/roll`, body, tenant.admin.key),
        );
        expectError(response, 400, 'invalid_request');
      }
    });
  });
});
