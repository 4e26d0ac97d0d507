// `GET/PATCH /v1/account` and `GET /v1/audit-log` (docs/key-service.md#routes, #audit-events).
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../support/databases.js';
import type { Harness } from '../../support/harness.js';
import { type ApiClient, expectError, expectNoChange, expectStatus, useRouteHarness } from '../../support/http.js';

describe.each(DIALECTS)('account and audit log on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;

  useRouteHarness(dialect, {}, (made) => {
    ({ h, api } = made);
  });

  describe('GET and PATCH /v1/account', () => {
    it('shows {id, name, plan, rotation_period_days, notification_url}', async () => {
      const tenant = await h.createTenant();
      const response = await api.get('/v1/account', tenant.manager.key);
      expectStatus(response, 200);
      expect(response.body).toEqual({
        id: tenant.accountId,
        name: 'Acme',
        plan: 'pro',
        rotation_period_days: 90,
        notification_url: null,
      });
    });

    it('sets the rotation period (30–90 days), which moves rotation_due_at', async () => {
      const tenant = await h.createTenant();
      const response = await api.patch('/v1/account', { rotation_period_days: 30 }, tenant.manager.key);
      expectStatus(response, 200);
      expect(response.body).toMatchObject({ id: tenant.accountId, rotation_period_days: 30 });
      expect((await api.get('/v1/account', tenant.manager.key)).body.rotation_period_days).toBe(30);
      const key = await api.get(`/v1/keys/${tenant.enrichment.id}`, tenant.manager.key);
      expect(Date.parse(key.body.rotation_due_at) - Date.parse(key.body.created_at)).toBe(30 * 86_400_000);
      for (const days of [29, 91, 45.5, 0, -30]) {
        const refused = await expectNoChange(h, () =>
          api.patch('/v1/account', { rotation_period_days: days }, tenant.manager.key),
        );
        expectError(refused, 400, 'invalid_request', /rotation_period_days/);
      }
      expectStatus(await api.patch('/v1/account', { rotation_period_days: 90 }, tenant.manager.key), 200);
    });

    it('returns the notification secret once, when a URL is first set; null clears both', async () => {
      const tenant = await h.createTenant();
      const first = await api.patch(
        '/v1/account',
        { notification_url: 'https://hooks.example.com/lfk' },
        tenant.manager.key,
      );
      expectStatus(first, 200);
      expect(first.body).toMatchObject({
        notification_url: 'https://hooks.example.com/lfk',
        notification_secret: expect.stringMatching(/^whsec_/),
      });
      const secret: string = first.body.notification_secret;
      const second = await api.patch(
        '/v1/account',
        { notification_url: 'https://hooks.example.com/lfk2' },
        tenant.manager.key,
      );
      expect(second.body).toEqual({
        id: tenant.accountId,
        name: 'Acme',
        plan: 'pro',
        rotation_period_days: 90,
        notification_url: 'https://hooks.example.com/lfk2',
      });
      const shown = await api.get('/v1/account', tenant.manager.key);
      expect(shown.text).not.toContain(secret);
      const audit = await api.get('/v1/audit-log', tenant.manager.key);
      expect(audit.text).not.toContain(secret);
      const cleared = await api.patch('/v1/account', { notification_url: null }, tenant.manager.key);
      expect(cleared.body.notification_url).toBeNull();
      const again = await api.patch(
        '/v1/account',
        { notification_url: 'https://hooks.example.com/lfk3' },
        tenant.manager.key,
      );
      expect(again.body.notification_secret).toMatch(/^whsec_/);
      expect(again.body.notification_secret).not.toBe(secret);
    });

    it('refuses a notification URL that is not absolute http(s) or is too long, and fields that are not settable', async () => {
      const tenant = await h.createTenant();
      const refused: [unknown, RegExp][] = [
        [{ notification_url: 'ftp://hooks.example.com/x' }, /notification_url/],
        [{ notification_url: 'hooks.example.com' }, /notification_url/],
        [{ notification_url: `https://hooks.example.com/${'a'.repeat(2048)}` }, /notification_url/],
        [{ notification_url: 42 }, /notification_url/],
        [{ notification_url: 'https://hooks.example.com/\u0000' }, /notification_url/],
        [{ plan: 'agency' }, /"plan"/],
        [{ name: 'Renamed' }, /"name"/],
        [{ notification_secret: 'whsec_mine' }, /"notification_secret"/],
      ];
      for (const [body, message] of refused) {
        expectError(
          await expectNoChange(h, () => api.patch('/v1/account', body, tenant.manager.key)),
          400,
          'invalid_request',
          message,
        );
      }
    });
  });

  describe('GET /v1/audit-log', () => {
    it('lists the account’s events newest first, with cursor paging and the documented shape', async () => {
      const tenant = await h.createTenant();
      const other = await h.createTenant();
      const created = await api.post('/v1/keys', { name: 'Audited', scopes: ['keys:manage'] }, tenant.manager.key);
      expectStatus(await api.post(`/v1/keys/${created.body.id}/revoke`, { note: 'test' }, tenant.manager.key), 200);
      expectStatus(await api.post('/v1/keys', { name: 'Theirs', scopes: ['keys:manage'] }, other.manager.key), 201);

      const all = await api.get('/v1/audit-log?limit=100', tenant.manager.key);
      expectStatus(all, 200);
      expect(Object.keys(all.body).sort()).toEqual(['data', 'next_cursor']);
      expect(all.body.next_cursor).toBeNull();
      const types = all.body.data.map((event: { type: string }) => event.type);
      // The three tenant keys were created first, then "Audited", then its revocation.
      expect(types).toEqual(['key.revoked', 'key.created', 'key.created', 'key.created', 'key.created']);
      const [revoked, audited] = all.body.data;
      expect(revoked).toEqual({
        id: expect.stringMatching(/^evt_[0-9A-Za-z]{22}$/),
        type: 'key.revoked',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        actor: { type: 'key', id: tenant.manager.id },
        key_id: created.body.id,
        key_name: 'Audited',
        ip: expect.any(String),
        data: expect.objectContaining({ reason: 'user', note: 'test', display: created.body.display }),
      });
      expect(audited).toMatchObject({
        type: 'key.created',
        key_id: created.body.id,
        actor: { type: 'key', id: tenant.manager.id },
      });
      for (const event of all.body.data)
        expect(
          event.key_id === undefined ||
            [tenant.manager.id, tenant.enrichment.id, tenant.admin.id, created.body.id].includes(event.key_id),
        ).toBe(true);

      const ids = all.body.data.map((event: { id: string }) => event.id);
      const page1 = await api.get('/v1/audit-log?limit=2', tenant.manager.key);
      expect(page1.body.data.map((event: { id: string }) => event.id)).toEqual(ids.slice(0, 2));
      const page2 = await api.get(
        `/v1/audit-log?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`,
        tenant.manager.key,
      );
      expect(page2.body.data.map((event: { id: string }) => event.id)).toEqual(ids.slice(2, 4));
      const page3 = await api.get(
        `/v1/audit-log?limit=2&cursor=${encodeURIComponent(page2.body.next_cursor)}`,
        tenant.manager.key,
      );
      expect(page3.body.data.map((event: { id: string }) => event.id)).toEqual(ids.slice(4));
      expect(page3.body.next_cursor).toBeNull();
    });

    it('never holds a full key, even one pasted into a note, a report’s source or a User-Agent', async () => {
      const tenant = await h.createTenant();
      const noted = await h.createKey(tenant.accountId, { name: 'Noted' });
      const reported = await h.createKey(tenant.accountId, { name: 'Reported' });
      const revoke = await api.call('POST', `/v1/keys/${noted.id}/revoke`, {
        key: tenant.manager.key,
        body: { note: `leaked as ${noted.key} in chat` },
        headers: { 'user-agent': `curl/8 ${noted.key}` },
      });
      expectStatus(revoke, 200);
      const report = await api.post('/v1/exposures', {
        keys: [reported.key],
        source: {
          kind: 'scanner',
          url: `https://example.com/search?q=${reported.key}`,
          location: `.env:1 API_KEY=${reported.key}`,
        },
      });
      expectStatus(report, 200);
      const audit = await api.get('/v1/audit-log?limit=100', tenant.manager.key);
      expectStatus(audit, 200);
      expect(audit.text).not.toContain(noted.key);
      expect(audit.text).not.toContain(reported.key);
      const stored = await h.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('account_id', '=', tenant.accountId)
        .execute();
      expect(JSON.stringify(stored)).not.toMatch(/lfk_sk_[0-9A-Za-z]{40}/);
      // What is kept still says where: the note and the location, with the key cut to its display prefix.
      const revokedEvent = audit.body.data.find(
        (event: { type: string; key_id?: string }) => event.type === 'key.revoked' && event.key_id === noted.id,
      );
      expect(revokedEvent.data.note).toMatch(/^leaked as lfk_sk_\w{4}… in chat$/);
    });

    it('refuses ?limit= outside 1–100, a non-number, and a cursor it did not issue', async () => {
      const tenant = await h.createTenant();
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=abc',
        'limit=-1',
        'cursor=garbage',
        'cursor=%00%00',
        'type=key.created',
      ]) {
        expectError(await api.get(`/v1/audit-log?${query}`, tenant.manager.key), 400, 'invalid_request');
      }
      for (const query of ['limit=1', 'limit=100', 'cursor='])
        expectStatus(await api.get(`/v1/audit-log?${query}`, tenant.manager.key), 200);
    });
  });
});
