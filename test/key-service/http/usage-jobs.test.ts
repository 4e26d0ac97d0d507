// `GET /v1/usage`, `POST /v1/jobs`, `GET /v1/jobs/{id}` (docs/key-service.md#routes): the routes an
// ordinary (enrichment) key calls.
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../support/databases.js';
import type { Harness } from '../../support/harness.js';
import {
  type ApiClient,
  expectError,
  expectNoChange,
  expectStatus,
  type Tenant,
  useRouteTenants,
} from '../../support/http.js';

describe.each(DIALECTS)('usage and jobs on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;
  let stranger: Tenant;

  useRouteTenants(dialect, (made) => ({ h, api, stranger } = made));

  describe('GET /v1/usage', () => {
    it('has the documented shape and counts the calling key’s and the account’s requests this month', async () => {
      const tenant = await h.createTenant();
      const first = await api.get('/v1/usage', tenant.enrichment.key);
      expectStatus(first, 200);
      const now = new Date();
      expect(first.body).toEqual({
        account: {
          id: tenant.accountId,
          plan: 'pro',
          period_start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
          period_end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
          requests: 1,
          jobs: 0,
        },
        key: {
          id: tenant.enrichment.id,
          name: 'Enrichment',
          requests: 1,
          last_used_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      });
      expect((await api.get('/v1/usage', tenant.enrichment.key)).body.key.requests).toBe(2);
      const third = await api.get('/v1/usage', tenant.enrichment.key);
      expect(third.body.key.requests).toBe(3);
      expect(third.body.account.requests).toBe(3);
      // Another key of the same account adds to the account, not to this key.
      expectStatus(await api.post('/v1/jobs', { file_url: 'https://example.com/a.csv' }, tenant.admin.key), 202);
      const fromAdmin = await api.get('/v1/usage', tenant.admin.key);
      expect(fromAdmin.body.key).toMatchObject({ id: tenant.admin.id, requests: 2 });
      expect(fromAdmin.body.account).toMatchObject({ requests: 5, jobs: 1 });
      expect((await api.get('/v1/usage', tenant.enrichment.key)).body.key.requests).toBe(4);
      // Other accounts' traffic is not counted here.
      const strangers = await api.get('/v1/usage', stranger.enrichment.key);
      expect(strangers.body.account).toMatchObject({ id: stranger.accountId, jobs: 0 });
    });

    it('counts what was written to the database as well as what is pending', async () => {
      const tenant = await h.createTenant();
      for (let call = 0; call < 3; call++) expectStatus(await api.get('/v1/usage', tenant.enrichment.key), 200);
      await h.service.flushUsage();
      const after = await api.get('/v1/usage', tenant.enrichment.key);
      expect(after.body.key.requests).toBe(4);
      expect(after.body.account.requests).toBe(4);
    });

    it('keeps showing last_used_at once it has been written', async () => {
      const tenant = await h.createTenant();
      const first = await api.get('/v1/usage', tenant.enrichment.key);
      expect(first.body.key.last_used_at).toEqual(expect.any(String));
      await h.service.flushUsage();
      const stored = await api.get(`/v1/keys/${tenant.enrichment.id}`, tenant.manager.key);
      expect(stored.body.last_used_at).toBe(first.body.key.last_used_at);
      const second = await api.get('/v1/usage', tenant.enrichment.key);
      expect(second.body.key.last_used_at).toBe(first.body.key.last_used_at);
    });
  });

  describe('POST /v1/jobs and GET /v1/jobs/{id}', () => {
    it('queues a job: 202 {id, status, file_url, created_at}, readable back, counted in usage', async () => {
      const tenant = await h.createTenant();
      const fileUrl = 'https://files.example.com/leads%20march.csv?token=abc';
      const created = await api.post('/v1/jobs', { file_url: fileUrl }, tenant.enrichment.key);
      expectStatus(created, 202);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^job_[0-9A-Za-z]{22}$/),
        status: 'queued',
        file_url: fileUrl,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const read = await api.get(`/v1/jobs/${created.body.id}`, tenant.enrichment.key);
      expectStatus(read, 200);
      expect(read.body).toEqual(created.body);
      // Any enrichment key of the account may read it.
      expect((await api.get(`/v1/jobs/${created.body.id}`, tenant.admin.key)).body).toEqual(created.body);
      expectStatus(
        await api.post('/v1/jobs', { file_url: 'http://intranet.example/b.csv' }, tenant.enrichment.key),
        202,
      );
      const usage = await api.get('/v1/usage', tenant.enrichment.key);
      expect(usage.body.account.jobs).toBe(2);
      const stored = await h.store.db
        .selectFrom('jobs')
        .selectAll()
        .where('account_id', '=', tenant.accountId)
        .execute();
      expect(stored.map((row) => row.key_id)).toEqual([tenant.enrichment.id, tenant.enrichment.id]);
    });

    it('answers 404 for another account’s job and for an unknown id (never 403)', async () => {
      const tenant = await h.createTenant();
      const theirs = await api.post(
        '/v1/jobs',
        { file_url: 'https://example.com/theirs.csv' },
        stranger.enrichment.key,
      );
      expectStatus(theirs, 202);
      for (const id of [theirs.body.id, 'job_0000000000000000000000', 'x', 'job_%00']) {
        expectError(await api.get(`/v1/jobs/${id}`, tenant.enrichment.key), 404, 'not_found');
      }
    });

    it('takes only an absolute http(s) URL of at most 2048 characters, changing nothing otherwise', async () => {
      const tenant = await h.createTenant();
      const base = 'https://example.com/';
      const refused = [
        'ftp://example.com/leads.csv',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'data:text/csv,a,b',
        '/leads.csv',
        'example.com/leads.csv',
        '',
        'https://example.com/a\u0000b.csv',
        base + 'a'.repeat(2049 - base.length),
      ];
      for (const fileUrl of refused) {
        const response = await expectNoChange(h, () =>
          api.post('/v1/jobs', { file_url: fileUrl }, tenant.enrichment.key),
        );
        expectError(response, 400, 'invalid_request', /file_url/);
      }
      expectError(
        await expectNoChange(h, () => api.post('/v1/jobs', {}, tenant.enrichment.key)),
        400,
        'invalid_request',
        /file_url/,
      );
      const longest = base + 'a'.repeat(2048 - base.length);
      const accepted = await api.post('/v1/jobs', { file_url: longest }, tenant.enrichment.key);
      expectStatus(accepted, 202);
      expect(accepted.body.file_url).toBe(longest);
    });
  });
});
