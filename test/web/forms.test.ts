// The page's form handlers in process: bad input, CSRF, size, other accounts' ids, sign-in
// throttling, setup links, and the session on /v1. Each refused form changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../platform/key-format.js';
import { DIALECTS } from '../support/databases.js';
import { databaseState, expectNoChange, keysIn } from '../support/http.js';
import { PASSWORD, WebClient, createWebHarness, type WebHarness } from './web-client.js';

describe.each(DIALECTS)('the page forms on %s', (dialect) => {
  let h: WebHarness;

  beforeAll(async () => {
    h = await createWebHarness(dialect, { throttle: { perPair: 3, perAddress: 1000 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function signedIn(plan: 'pro' | 'free' = 'pro') {
    const { accountId, email } = await h.createAccount(plan);
    const client = new WebClient(h);
    const csrf = await client.signIn(email);
    return { accountId, email, client, csrf };
  }

  const activeKeys = async (accountId: string) =>
    (
      await h.store.db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .execute()
    ).length;

  describe('signing in', () => {
    it('sends a visitor without a session to the sign-in page, for pages and forms alike', async () => {
      const visitor = new WebClient(h);
      const page = await visitor.get('/app/api-keys');
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/app/login');
      await expectNoChange(h, async () =>
        expect((await visitor.post('/app/api-keys', { name: 'x', csrf: 'y' })).status).toBe(303),
      );
    });

    it('refuses a login form without its CSRF token or from another site', async () => {
      const { email } = await h.createAccount();
      const visitor = new WebClient(h);
      const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
      await expectNoChange(h, async () => {
        expect((await visitor.post('/app/login', { email, password: PASSWORD })).status).toBe(403);
        expect((await visitor.post('/app/login', { email, password: PASSWORD, csrf: 'x'.repeat(43) })).status).toBe(
          403,
        );
        expect(
          (await visitor.post('/app/login', { email, password: PASSWORD, csrf }, { origin: 'https://evil.example' }))
            .status,
        ).toBe(403);
        expect(
          (await visitor.post('/app/login', { email, password: PASSWORD, csrf }, { 'sec-fetch-site': 'cross-site' }))
            .status,
        ).toBe(403);
      });
      expect(visitor.cookies.has('lfk_session')).toBe(false);
    });

    it('asks again for missing fields and refuses other encodings', async () => {
      const visitor = new WebClient(h);
      const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
      await expectNoChange(h, async () => {
        const missing = await visitor.post('/app/login', { csrf, email: 'someone@example.com' });
        expect(missing.status).toBe(400);
        expect(missing.text).toContain('Enter your e-mail address and password.');
        const json = await visitor.request('POST', '/app/login', { headers: { 'content-type': 'application/json' } });
        expect(json.status).toBe(415);
      });
    });

    it('stores only a hash of the session token, in an HttpOnly SameSite=Lax cookie', async () => {
      const { email } = await h.createAccount();
      const visitor = new WebClient(h);
      const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
      const response = await visitor.post('/app/login', { csrf, email, password: PASSWORD });
      const cookie = response.headers.getSetCookie().find((line) => line.startsWith('lfk_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/);
      const token = visitor.cookies.get('lfk_session')!;
      const rows = await h.store.db.selectFrom('web_sessions').selectAll().execute();
      expect(rows.some((row) => row.token_sha256 === sha256Hex(token))).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it('marks the cookie Secure when LFK_PUBLIC_URL is https', async () => {
      const secure = await createWebHarness(dialect, { publicUrl: 'https://keys.example.com' });
      try {
        const { email } = await secure.createAccount();
        const visitor = new WebClient(secure);
        const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
        const response = await visitor.post('/app/login', { csrf, email, password: PASSWORD });
        expect(response.headers.getSetCookie().find((line) => line.startsWith('lfk_session='))).toMatch(/; Secure/);
      } finally {
        await secure.close();
      }
    });

    it('audits failed sign-ins and locks this client out of the e-mail address after repeated failures, even for the right password', async () => {
      const { accountId, email } = await h.createAccount();
      const visitor = new WebClient(h);
      const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
      for (let attempt = 0; attempt < 3; attempt++) {
        const wrong = await visitor.post('/app/login', { csrf, email, password: 'not the password' });
        expect(wrong.status).toBe(401);
        expect(wrong.text).toContain('The e-mail address or the password is not right.');
      }
      const locked = await visitor.post('/app/login', { csrf, email, password: PASSWORD });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(locked.text).toContain('Too many failed sign-ins');
      expect(visitor.cookies.has('lfk_session')).toBe(false);
      const events = await h.service.listAuditEvents(accountId, { limit: 50 });
      expect(events.data.map((event) => [event.type, event.data.reason])).toEqual([
        ['user.login_failed', 'locked'],
        ['user.login_failed', 'wrong_password'],
        ['user.login_failed', 'wrong_password'],
        ['user.login_failed', 'wrong_password'],
      ]);
      expect(events.data[0]).toMatchObject({ actor: { type: 'user' }, data: { email } });
    });

    it('locks a client address that fails for many e-mail addresses', async () => {
      const strict = await createWebHarness(dialect, { throttle: { perPair: 100, perAddress: 3 } });
      try {
        const { email } = await strict.createAccount();
        const visitor = new WebClient(strict);
        const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
        for (let attempt = 0; attempt < 3; attempt++) {
          expect(
            (await visitor.post('/app/login', { csrf, email: `nobody${attempt}@example.com`, password: 'guess' }))
              .status,
          ).toBe(401);
        }
        expect((await visitor.post('/app/login', { csrf, email, password: PASSWORD })).status).toBe(429);
      } finally {
        await strict.close();
      }
    });

    it('ends a session left idle too long, and forgets it', async () => {
      const brief = await createWebHarness(dialect, { sessionIdleMs: 50 });
      try {
        const { email } = await brief.createAccount();
        const visitor = new WebClient(brief);
        const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
        expect((await visitor.post('/app/login', { csrf, email, password: PASSWORD })).status).toBe(303);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const page = await visitor.get('/app/api-keys');
        expect(page.status).toBe(303);
        expect(page.headers.get('location')).toBe('/app/login');
        expect(await brief.store.db.selectFrom('web_sessions').selectAll().execute()).toEqual([]);
      } finally {
        await brief.close();
      }
    });

    it('forgets failures once their window ends, and lifts a lock-out after 15 minutes', async () => {
      let now = Date.parse('2026-01-01T00:00:00Z');
      const clocked = await createWebHarness(
        dialect,
        { throttle: { perPair: 3, perAddress: 1000 } },
        { now: () => new Date(now) },
      );
      try {
        const { email } = await clocked.createAccount();
        const visitor = new WebClient(clocked);
        const csrf = WebClient.csrf((await visitor.get('/app/login')).text);
        const attempt = (password: string) => visitor.post('/app/login', { csrf, email, password });
        for (let index = 0; index < 2; index++) expect((await attempt('wrong')).status).toBe(401);
        now += 16 * 60_000;
        for (let index = 0; index < 2; index++) expect((await attempt('wrong')).status).toBe(401);
        expect((await attempt('wrong')).status).toBe(401);
        expect((await attempt(PASSWORD)).status).toBe(429);
        now += 14 * 60_000;
        expect((await attempt(PASSWORD)).status).toBe(429);
        now += 2 * 60_000;
        expect((await attempt(PASSWORD)).status).toBe(303);
      } finally {
        await clocked.close();
      }
    });

    it('signs out only with the session token, and the session is gone afterwards', async () => {
      const { client, csrf } = await signedIn();
      expect((await client.post('/app/logout', {})).status).toBe(403);
      expect((await client.get('/app/api-keys')).status).toBe(200);
      const out = await client.post('/app/logout', { csrf });
      expect(out.status).toBe(303);
      expect(client.cookies.has('lfk_session')).toBe(false);
      expect((await client.get('/app/api-keys')).status).toBe(303);
    });
  });

  describe('creating keys', () => {
    it('refuses a form without the session CSRF token, with a wrong one, or from another site, changing nothing', async () => {
      const { client, csrf } = await signedIn();
      await expectNoChange(h, async () => {
        expect((await client.post('/app/api-keys', { name: 'No token' })).status).toBe(403);
        expect(
          (await client.post('/app/api-keys', { name: 'Wrong token', csrf: `${csrf.slice(0, -1)}x` })).status,
        ).toBe(403);
        expect(
          (await client.post('/app/api-keys', { name: 'Cross site', csrf }, { origin: 'https://evil.example' })).status,
        ).toBe(403);
      });
    });

    it('asks for a name when it is missing or too long, and creates nothing', async () => {
      const { client, csrf } = await signedIn();
      await expectNoChange(h, async () => {
        const missing = await client.post('/app/api-keys', { csrf });
        expect(missing.status).toBe(400);
        expect(missing.text).toContain('Give the key a name.');
        expect(missing.text).toMatch(/<dialog id="create-dialog"[^>]* open=""/);
        const blank = await client.post('/app/api-keys', { csrf, name: '   ' });
        expect(blank.status).toBe(400);
        const long = await client.post('/app/api-keys', { csrf, name: 'n'.repeat(101) });
        expect(long.status).toBe(400);
        expect(long.text).toContain('1 to 100 characters');
      });
    });

    it('refuses an oversized form with 413 and a form in another encoding with 415', async () => {
      const { client, csrf } = await signedIn();
      await expectNoChange(h, async () => {
        expect((await client.post('/app/api-keys', { csrf, name: 'Big', padding: 'x'.repeat(20_000) })).status).toBe(
          413,
        );
        const json = await client.request('POST', '/app/api-keys', { headers: { 'content-type': 'application/json' } });
        expect(json.status).toBe(415);
      });
    });

    it('shows the new key in the creating answer only, never afterwards', async () => {
      const { accountId, client, csrf } = await signedIn();
      const created = await client.post('/app/api-keys', { csrf, name: 'Production CRM sync' });
      expect(created.status).toBe(200);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const [key] = keysIn(created.text);
      expect(key).toMatch(/^lfk_sk_/);
      expect(created.text).toContain('It will not be shown again');
      const [row] = await h.store.db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).execute();
      expect(row).toMatchObject({
        name: 'Production CRM sync',
        sha256: sha256Hex(key!),
        created_by: expect.stringMatching(/^usr_/),
      });
      const list = await client.get('/app/api-keys');
      expect(keysIn(list.text)).toEqual([]);
      expect(list.text).toContain(`${row!.prefix}…${row!.last4}`);
      for (const line of h.logs) expect(keysIn(line)).toEqual([]);
    });

    it('tells a free account that keys come with Pro and Agency, and creates nothing', async () => {
      const { client, csrf } = await signedIn('free');
      const page = await client.get('/app/api-keys');
      expect(page.text).toContain('API keys come with the Pro and Agency plans.');
      expect(page.text).not.toContain('Create New Key');
      await expectNoChange(h, async () => {
        const refused = await client.post('/app/api-keys', { csrf, name: 'Sneaky' });
        expect(refused.status).toBe(403);
        expect(refused.text).toContain('Pro and Agency');
      });
    });
  });

  describe("another account's keys", () => {
    it('answer 404 to revoke, roll and the confirmation dialogs, and stay active', async () => {
      const owner = await signedIn();
      const key = await h.createKey(owner.accountId, { name: 'Owner key' });
      const other = await signedIn();
      await expectNoChange(h, async () => {
        expect((await other.client.post(`/app/api-keys/${key.id}/revoke`, { csrf: other.csrf })).status).toBe(404);
        expect(
          (await other.client.post(`/app/api-keys/${key.id}/roll`, { csrf: other.csrf, grace_period_hours: '24' }))
            .status,
        ).toBe(404);
        expect((await other.client.get(`/app/api-keys?dialog=revoke&key=${key.id}`)).status).toBe(404);
        expect((await other.client.get(`/app/api-keys?dialog=roll&key=${key.id}`)).status).toBe(404);
        expect((await other.client.post('/app/api-keys/not-a-key-id/revoke', { csrf: other.csrf })).status).toBe(404);
        const search = await other.client.get(`/app/api-keys?q=${encodeURIComponent(key.prefix)}`);
        expect(search.text).not.toContain(key.display);
        expect(search.text).toContain('No keys match this search.');
      });
      expect(await activeKeys(owner.accountId)).toBe(1);
    });

    it('are not shown through /v1 to a signed-in person of another account', async () => {
      const owner = await signedIn();
      const key = await h.createKey(owner.accountId);
      const other = await signedIn();
      const cookie = `lfk_session=${other.client.cookies.get('lfk_session')}`;
      const response = await h.site.request(`/v1/keys/${key.id}`, { headers: { cookie } });
      expect(response.status).toBe(404);
    });
  });

  describe('revoking and rolling', () => {
    it('refuses bad grace periods and long notes, changing nothing', async () => {
      const { accountId, client, csrf } = await signedIn();
      const key = await h.createKey(accountId);
      await expectNoChange(h, async () => {
        for (const grace of ['5', 'abc', '-1', '']) {
          expect((await client.post(`/app/api-keys/${key.id}/roll`, { csrf, grace_period_hours: grace })).status).toBe(
            400,
          );
        }
        expect((await client.post(`/app/api-keys/${key.id}/revoke`, { csrf, note: 'n'.repeat(501) })).status).toBe(400);
        expect((await client.post(`/app/api-keys/${key.id}/revoke`, { note: 'no token' })).status).toBe(403);
      });
    });

    it('revokes with a note kept in the audit log, and a revoked key has no way back on', async () => {
      const { accountId, client, csrf } = await signedIn();
      const key = await h.createKey(accountId, { name: 'Zapier integration' });
      const revoked = await client.post(`/app/api-keys/${key.id}/revoke`, { csrf, note: 'Leaked in a ticket' });
      expect(revoked.status).toBe(303);
      const page = await client.get(revoked.headers.get('location')!);
      expect(page.text).toContain('is revoked');
      expect(page.text).not.toContain(`Revoke ${key.name}`);
      const [event] = (await h.service.listAuditEvents(accountId, { limit: 1 })).data;
      expect(event).toMatchObject({
        type: 'key.revoked',
        key_id: key.id,
        actor: { type: 'user' },
        data: { reason: 'user', note: 'Leaked in a ticket' },
      });
      const roll = await client.post(`/app/api-keys/${key.id}/roll`, { csrf, grace_period_hours: '24' });
      expect(roll.status).toBe(409);
      expect(keysIn(roll.text)).toEqual([]);
    });
  });

  describe('settings', () => {
    it('refuses rotation periods outside 30–90 days and non-web notification URLs', async () => {
      const { client, csrf } = await signedIn();
      await expectNoChange(h, async () => {
        for (const days of ['29', '91', 'abc', '45.5', '']) {
          expect(
            (await client.post('/app/settings', { csrf, rotation_period_days: days, notification_url: '' })).status,
          ).toBe(400);
        }
        for (const url of ['ftp://example.com/x', 'not a url', `https://example.com/${'a'.repeat(2048)}`]) {
          expect(
            (await client.post('/app/settings', { csrf, rotation_period_days: '60', notification_url: url })).status,
          ).toBe(400);
        }
        expect((await client.post('/app/settings', { rotation_period_days: '60' })).status).toBe(403);
      });
    });

    it('saves the settings and shows the notification secret once, when the URL is first set', async () => {
      const { accountId, client, csrf } = await signedIn();
      const first = await client.post('/app/settings', {
        csrf,
        rotation_period_days: '45',
        notification_url: 'https://example.com/hooks/lfk',
      });
      expect(first.status).toBe(200);
      const secret = /whsec_[\w-]+/.exec(first.text)?.[0];
      expect(secret).toBeDefined();
      expect(await h.service.getAccount(accountId)).toMatchObject({
        rotation_period_days: 45,
        notification_url: 'https://example.com/hooks/lfk',
      });
      const again = await client.post('/app/settings', {
        csrf,
        rotation_period_days: '60',
        notification_url: 'https://example.com/hooks/other',
      });
      expect(again.status).toBe(303);
      expect((await client.get('/app/settings')).text).not.toContain(secret!);
    });
  });

  describe('the setup link', () => {
    it('creates the first account once, and only with its token and CSRF token', async () => {
      const fresh = await createWebHarness(dialect);
      try {
        const token = await fresh.web.issueSetupToken();
        expect(token).toMatch(/^[\w-]{43}$/);
        const visitor = new WebClient(fresh);
        expect((await visitor.get('/app/setup?token=wrong')).status).toBe(404);
        const form = await visitor.get(`/app/setup?token=${token}`);
        expect(form.status).toBe(200);
        const csrf = WebClient.csrf(form.text);
        const fields = {
          csrf,
          token: token!,
          account_name: 'Acme',
          plan: 'pro',
          email: 'owner@acme.test',
          password: PASSWORD,
        };
        await expectNoChange(fresh, async () => {
          expect((await visitor.post('/app/setup', { ...fields, csrf: 'x'.repeat(43) })).status).toBe(403);
          expect((await visitor.post('/app/setup', { ...fields, token: 'wrong' })).status).toBe(404);
          expect((await visitor.post('/app/setup', { ...fields, email: '' })).status).toBe(400);
          expect((await visitor.post('/app/setup', { ...fields, plan: 'enterprise' })).status).toBe(400);
          expect((await visitor.post('/app/setup', { ...fields, password: 'short' })).status).toBe(400);
        });
        const done = await visitor.post('/app/setup', fields);
        expect(done.status).toBe(303);
        expect(done.headers.get('location')).toBe('/app/api-keys');
        expect((await visitor.get('/app/api-keys')).text).toContain('owner@acme.test');
        expect((await visitor.get(`/app/setup?token=${token}`)).status).toBe(404);
        expect((await visitor.post('/app/setup', fields)).status).toBe(404);
        expect(await fresh.web.issueSetupToken()).toBeNull();
        const state = await databaseState(fresh);
        expect(state.accounts).toHaveLength(1);
        expect(state.events.map((event) => event.type)).toEqual(['user.login']);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('the session on /v1', () => {
    it('manages keys from this site and refuses changes from another', async () => {
      const { accountId, client } = await signedIn();
      const cookie = `lfk_session=${client.cookies.get('lfk_session')}`;
      const list = await h.site.request('/v1/keys', { headers: { cookie } });
      expect(list.status).toBe(200);
      const body = JSON.stringify({ name: 'From the API' });
      const json = { cookie, 'content-type': 'application/json' };
      await expectNoChange(h, async () => {
        const cross = await h.site.request('/v1/keys', {
          method: 'POST',
          headers: { ...json, origin: 'https://evil.example' },
          body,
        });
        expect(cross.status).toBe(403);
        expect(((await cross.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
      });
      const same = await h.site.request('/v1/keys', {
        method: 'POST',
        headers: { ...json, origin: 'http://localhost' },
        body,
      });
      expect(same.status).toBe(201);
      expect(await activeKeys(accountId)).toBe(1);
    });
  });

  describe('pages', () => {
    it('carry the security headers and answer unknown /app paths with an HTML 404', async () => {
      const { client } = await signedIn();
      for (const path of ['/app/api-keys', '/app/audit-log', '/app/settings', '/app/login', '/app/nowhere']) {
        const page = await client.get(path);
        expect(page.headers.get('content-security-policy'), path).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
        expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
        expect(page.headers.get('cache-control'), path).toBe('no-store');
        expect(page.headers.get('x-content-type-options')).toBe('nosniff');
        expect(page.headers.get('referrer-policy')).toBe('same-origin');
      }
      const missing = await client.get('/app/nowhere');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/text\/html/);
      expect((await h.site.request('/v1/nowhere')).headers.get('content-type')).toMatch(/json/);
    });

    it('page the audit log newest first, 50 events a page, and refuse a made-up cursor', async () => {
      const { accountId, client } = await signedIn();
      for (let index = 0; index < 52; index++) await h.createKey(accountId, { name: `Key ${index}` });
      const first = await client.get('/app/audit-log');
      const rows = (html: string) => [...html.matchAll(/<tr data-event-type="([^"]+)"/g)].map((match) => match[1]);
      expect(rows(first.text)).toHaveLength(50);
      expect(first.text.indexOf('Key 51')).toBeLessThan(first.text.indexOf('Key 2<'));
      const older = /href="(\/app\/audit-log\?cursor=[^"]+)"/.exec(first.text)![1]!;
      const second = await client.get(older.replace(/&amp;/g, '&'));
      // 52 key.created and the one user.login: three on the second page, the sign-in last.
      expect(rows(second.text)).toEqual(['key.created', 'key.created', 'user.login']);
      expect(second.text).not.toContain('Older events');
      expect((await client.get('/app/audit-log?cursor=bogus')).status).toBe(400);
    });

    it('hold no inline script or style attribute, so the policy can forbid them', async () => {
      const { client, csrf } = await signedIn();
      const pages = [
        (await client.get('/app/api-keys')).text,
        (await client.post('/app/api-keys', { csrf, name: 'Inline check' })).text,
        (await client.get('/app/audit-log')).text,
      ];
      for (const html of pages) {
        expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
        expect(html).not.toMatch(/\sstyle=/);
        expect(html).not.toMatch(/\son[a-z]+=/);
      }
    });
  });
});
