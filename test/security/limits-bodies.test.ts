// Body size and JSON depth limits on every route that takes a body: the /v1 API (7 routes), the
// three webhook receivers and the page's 7 forms. Each hostile body gets a clear 413 / 400 / 415
// and changes nothing in the database.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { DEFAULT_MAX_BODY_BYTES } from '../../key-service/http/app.js';
import { MAX_JSON_DEPTH } from '../../platform/limits/json-depth.js';
import { DEFAULT_MAX_FORM_BYTES } from '../../key-service/web/app.js';
import type { Store } from '../../platform/database/database.js';
import { MAX_GITHUB_APP_BODY_BYTES } from '../../webhook-server/receivers/github-app.js';
import { MAX_PARTNER_BODY_BYTES } from '../../webhook-server/receivers/github-partner.js';
import { MAX_GITGUARDIAN_BODY_BYTES } from '../../webhook-server/receivers/gitguardian.js';
import { DIALECTS } from '../support/databases.js';
import { type ApiClient, type Tenant, type useRouteHarness, useRouteTenants } from '../support/http.js';
import { PASSWORD, WebClient, createWebHarness, type WebHarness } from '../web/web-client.js';
import {
  GITHUB_API,
  PARTNER_KEY_ID,
  gitguardianHeaders,
  githubHeaders,
  partnerKeyPair,
  partnerHeaders,
  useNoNetwork,
  useWebhookHarness,
  type WebhookHarness,
} from '../webhook-server/support.js';

const TABLES = [
  'accounts',
  'users',
  'api_keys',
  'audit_events',
  'jobs',
  'webhook_deliveries',
  'notification_outbox',
  'web_setup_tokens',
  'web_login_throttle',
  'github_installations',
] as const;

/** Every row a hostile request could add or change (sessions left out: a signed-in request touches its own). */
async function everything(store: Store) {
  const rows: Record<string, unknown[]> = {};
  for (const table of TABLES) rows[table] = await store.db.selectFrom(table).selectAll().execute();
  return rows;
}

async function expectUnchanged<T>(store: Store, refused: () => Promise<T>): Promise<T> {
  const before = await everything(store);
  const result = await refused();
  expect(await everything(store)).toEqual(before);
  return result;
}

/** The hostile JSON bodies: each must be refused before it is parsed. */
const DEEP_BODIES: Record<string, string> = {
  '10,000 levels of [': '['.repeat(10_000),
  '10,000 levels of {"a":': `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  [`${MAX_JSON_DEPTH + 1} levels, well-formed`]: '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1),
  'deep inside an object field': `{"name":${'['.repeat(5000)}}`,
};

useNoNetwork();

describe.each(DIALECTS)('body limits on %s', (dialect) => {
  describe('the /v1 routes that take a body', () => {
    let h: Parameters<Parameters<typeof useRouteHarness>[2]>[0]['h'];
    let api: ApiClient;
    let tenant: Tenant;
    useRouteTenants(dialect, (made) => ({ h, api, tenant } = made));

    const ROUTES: Array<{ method: string; path: (t: Tenant) => string; key: (t: Tenant) => string | undefined }> = [
      { method: 'PATCH', path: () => '/v1/account', key: (t) => t.admin.key },
      { method: 'POST', path: () => '/v1/exposures', key: () => undefined },
      { method: 'POST', path: () => '/v1/keys/verify', key: () => undefined },
      { method: 'POST', path: () => '/v1/jobs', key: (t) => t.enrichment.key },
      { method: 'POST', path: () => '/v1/keys', key: (t) => t.admin.key },
      { method: 'POST', path: (t) => `/v1/keys/${t.enrichment.id}/revoke`, key: (t) => t.admin.key },
      { method: 'POST', path: (t) => `/v1/keys/${t.enrichment.id}/roll`, key: (t) => t.admin.key },
    ];
    const oversized = JSON.stringify({ name: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) });

    describe.each(
      ROUTES.map(
        (route) => [`${route.method} ${route.path({ enrichment: { id: '{id}' } } as Tenant)}`, route] as const,
      ),
    )('%s', (_, route) => {
      it('answers 413 payload_too_large to a body over the limit, declared or streamed, changing nothing', async () => {
        await expectUnchanged(h.store, async () => {
          for (const headers of [{ 'content-length': String(Buffer.byteLength(oversized)) }, {}] as Array<
            Record<string, string>
          >) {
            const response = await api.call(route.method, route.path(tenant), {
              key: route.key(tenant),
              body: oversized,
              headers,
            });
            expect(response.status).toBe(413);
            expect(response.body.error).toMatchObject({
              code: 'payload_too_large',
              message: `The request body is larger than ${DEFAULT_MAX_BODY_BYTES} bytes.`,
            });
          }
        });
      });

      it.each(Object.entries(DEEP_BODIES))('answers 400 invalid_json to %s, changing nothing', async (_, body) => {
        await expectUnchanged(h.store, async () => {
          const response = await api.call(route.method, route.path(tenant), { key: route.key(tenant), body });
          expect(response.status).toBe(400);
          expect(response.body.error).toMatchObject({
            code: 'invalid_json',
            message: `The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`,
          });
        });
      });
    });

    it('counts only brackets outside strings: a name of 90 [ or { is a name', async () => {
      const created = await api.call('POST', '/v1/keys', { key: tenant.admin.key, body: { name: '['.repeat(90) } });
      expect(created.status).toBe(201);
      const escaped = await api.call('POST', '/v1/keys', {
        key: tenant.admin.key,
        body: `{"name":"\\"${'{'.repeat(90)}"}`,
      });
      expect(escaped.status).toBe(201);
      expect(escaped.body.name).toBe(`"${'{'.repeat(90)}`);
    });
  });

  describe('the webhook receivers', () => {
    let h: WebhookHarness;
    useWebhookHarness(dialect, (made) => (h = made));
    const signer = partnerKeyPair();
    beforeEach(() => {
      nock(GITHUB_API)
        .get('/meta/public_keys/secret_scanning')
        .reply(200, { public_keys: [{ key_identifier: PARTNER_KEY_ID, key: signer.publicPem, is_current: true }] })
        .persist();
    });

    const RECEIVERS = [
      {
        path: '/webhooks/github',
        max: MAX_GITHUB_APP_BODY_BYTES,
        headers: (body: string) => githubHeaders('push', body),
      },
      {
        path: '/webhooks/github/secret-scanning',
        max: MAX_PARTNER_BODY_BYTES,
        headers: (body: string) => partnerHeaders(body, signer.privateKey),
      },
      {
        path: '/webhooks/gitguardian',
        max: MAX_GITGUARDIAN_BODY_BYTES,
        headers: (body: string) => gitguardianHeaders(body),
      },
    ];

    describe.each(RECEIVERS.map((receiver) => [receiver.path, receiver] as const))('%s', (_, receiver) => {
      it('answers 413 to a signed body one byte over its limit, declared or streamed, storing nothing', async () => {
        const body = `[${' '.repeat(receiver.max - 1)}]`;
        await expectUnchanged(h.store, async () => {
          for (const length of [{ 'content-length': String(body.length) }, {}] as Array<Record<string, string>>) {
            const response = await h.post(receiver.path, body, { ...receiver.headers(body), ...length });
            expect(response.status).toBe(413);
            expect(response.body.error).toMatchObject({
              code: 'payload_too_large',
              message: `The request body is larger than ${receiver.max} bytes.`,
            });
          }
        });
      });

      it.each(Object.entries(DEEP_BODIES))(
        'answers 400 invalid_json to a signed body of %s, storing nothing',
        async (_, body) => {
          await expectUnchanged(h.store, async () => {
            const response = await h.post(receiver.path, body, receiver.headers(body));
            expect(response.status).toBe(400);
            expect(response.body.error).toMatchObject({
              code: 'invalid_json',
              message: `The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`,
            });
          });
          expect(await h.drain()).toBe(0);
        },
      );
    });
  });

  describe('the page forms', () => {
    let h: WebHarness;
    let client: WebClient;
    let csrf: string;
    let keyId: string;
    beforeAll(async () => {
      h = await createWebHarness(dialect);
      const { accountId, email } = await h.createAccount();
      keyId = (await h.createKey(accountId)).id;
      client = new WebClient(h);
      csrf = await client.signIn(email, PASSWORD);
    });
    afterAll(async () => {
      await h?.close();
    });

    const FORMS = [
      '/app/login',
      '/app/logout',
      '/app/setup',
      '/app/settings',
      '/app/api-keys',
      '/app/api-keys/{id}/revoke',
      '/app/api-keys/{id}/roll',
    ];
    const at = (path: string) => path.replace('{id}', keyId);

    it.each(FORMS)('%s answers 413 to a form over the limit, declared or streamed, changing nothing', async (path) => {
      const form = new URLSearchParams({ csrf, padding: 'x'.repeat(DEFAULT_MAX_FORM_BYTES) }).toString();
      await expectUnchanged(h.store, async () => {
        for (const headers of [{ 'content-length': String(form.length) }, {}] as Array<Record<string, string>>) {
          const response = await client.request('POST', at(path), { form, headers });
          expect(response.status).toBe(413);
          expect(response.text).toContain(`A form may hold at most ${DEFAULT_MAX_FORM_BYTES} bytes.`);
        }
      });
      expect(client.cookies.has('lfk_session')).toBe(true);
    });

    // The page never parses JSON: nested JSON is refused as too large or as not a form.
    it.each(FORMS)('%s answers 413 or 415 to deeply nested JSON instead of a form, changing nothing', async (path) => {
      await expectUnchanged(h.store, async () => {
        for (const body of Object.values(DEEP_BODIES)) {
          const response = await client.request('POST', at(path), {
            form: body,
            headers: { 'content-type': 'application/json' },
          });
          const tooLarge = body.length > DEFAULT_MAX_FORM_BYTES;
          expect(response.status).toBe(tooLarge ? 413 : 415);
          expect(response.text).toContain(
            tooLarge ? 'A form may hold at most' : 'Send the form as application/x-www-form-urlencoded.',
          );
        }
      });
      expect(client.cookies.has('lfk_session')).toBe(true);
    });
  });
});
