// Bad input on every write route (docs/key-service.md#errors-and-limits): each is refused with the
// right code and changes nothing.
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

interface WriteRoute {
  method: 'POST' | 'PATCH';
  path: (tenant: Tenant) => string;
  key: (tenant: Tenant) => string | undefined;
  valid: (tenant: Tenant) => unknown;
  /** A body with a wrong type, and the field the message must name. */
  wrongType: unknown;
  wrongField: string;
}

const ROUTES: Record<string, WriteRoute> = {
  'POST /v1/jobs': {
    method: 'POST',
    path: () => '/v1/jobs',
    key: (t) => t.enrichment.key,
    valid: () => ({ file_url: 'https://example.com/leads.csv' }),
    wrongType: { file_url: 42 },
    wrongField: 'file_url',
  },
  'POST /v1/keys': {
    method: 'POST',
    path: () => '/v1/keys',
    key: (t) => t.admin.key,
    valid: () => ({ name: 'Valid' }),
    wrongType: { name: ['Valid'] },
    wrongField: 'name',
  },
  'POST /v1/keys/{id}/revoke': {
    method: 'POST',
    path: (t) => `/v1/keys/${t.enrichment.id}/revoke`,
    key: (t) => t.admin.key,
    valid: () => ({ note: 'valid' }),
    wrongType: { note: { text: 'x' } },
    wrongField: 'note',
  },
  'POST /v1/keys/{id}/roll': {
    method: 'POST',
    path: (t) => `/v1/keys/${t.enrichment.id}/roll`,
    key: (t) => t.admin.key,
    valid: () => ({ grace_period_hours: 1 }),
    wrongType: { grace_period_hours: true },
    wrongField: 'grace_period_hours',
  },
  'PATCH /v1/account': {
    method: 'PATCH',
    path: () => '/v1/account',
    key: (t) => t.manager.key,
    valid: () => ({ rotation_period_days: 45 }),
    wrongType: { rotation_period_days: '45' },
    wrongField: 'rotation_period_days',
  },
  'POST /v1/exposures': {
    method: 'POST',
    path: () => '/v1/exposures',
    key: () => undefined,
    valid: (t) => ({ keys: [t.enrichment.key], source: { kind: 'other' } }),
    wrongType: { keys: 'lfk_sk_' },
    wrongField: 'keys',
  },
  'POST /v1/keys/verify': {
    method: 'POST',
    path: () => '/v1/keys/verify',
    key: () => undefined,
    valid: (t) => ({ keys: [t.enrichment.key] }),
    wrongType: { keys: [42] },
    wrongField: 'keys',
  },
};

const OVERSIZED = JSON.stringify({ padding: 'x'.repeat(256 * 1024 + 1) });

describe.each(DIALECTS)('bad input on every write route on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;
  let tenant: Tenant;

  useRouteTenants(dialect, (made) => ({ h, api, tenant } = made));

  describe.each(Object.entries(ROUTES))('%s', (_name, route) => {
    const send = (body: string | unknown, headers: Record<string, string> = {}) =>
      expectNoChange(h, () => api.call(route.method, route.path(tenant), { key: route.key(tenant), body, headers }));

    it('malformed JSON → 400 invalid_json', async () => {
      for (const body of ['{"name": ', '{name: 1}', 'not json', '{"a":1}}'])
        expectError(await send(body), 400, 'invalid_json');
    });

    it('an unknown field → 400 invalid_request naming it', async () => {
      const body = { ...(route.valid(tenant) as object), surprise_field: true };
      expectError(await send(body), 400, 'invalid_request', /surprise_field/);
    });

    it('a wrong type → 400 invalid_request naming the field', async () => {
      expectError(await send(route.wrongType), 400, 'invalid_request', new RegExp(route.wrongField));
    });

    it('a JSON value that is not an object → 400 invalid_request', async () => {
      for (const body of ['[]', '"text"', '7', 'null']) expectError(await send(body), 400, 'invalid_request');
    });

    it('a non-JSON content type → 415', async () => {
      const json = JSON.stringify(route.valid(tenant));
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        expectError(await send(json, { 'content-type': type }), 415, 'unsupported_media_type');
      }
    });

    it('a body over 256 KiB → 413 payload_too_large', async () => {
      expectError(await send(OVERSIZED), 413, 'payload_too_large');
    });

    it('the valid body is accepted (the refusals above were about the input)', async () => {
      const response = await api.call(route.method, route.path(tenant), {
        key: route.key(tenant),
        body: route.valid(tenant),
      });
      expect(response.status).toBeLessThan(300);
      if (
        route.path(tenant).includes('/revoke') ||
        route.path(tenant).includes('/roll') ||
        route.path(tenant) === '/v1/exposures'
      ) {
        // Those changed the tenant's enrichment key: give the next route a fresh tenant.
        tenant = await h.createTenant();
      }
    });
  });

  it('accepts a JSON content type with parameters or a +json suffix', async () => {
    const body = JSON.stringify({ file_url: 'https://example.com/a.csv' });
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/vnd.api+json']) {
      expectStatus(
        await api.call('POST', '/v1/jobs', { key: tenant.enrichment.key, body, headers: { 'content-type': type } }),
        202,
      );
    }
  });
});

describe.each(DIALECTS)('scopes of the wrong type on %s', (dialect) => {
  let h: Harness;
  let api: ApiClient;
  let tenant: Tenant;

  useRouteTenants(dialect, (made) => ({ h, api, tenant } = made));

  // zod 4 also ran the array's length limit on a string: "expected string to have <=2 characters".
  it('POST /v1/keys with "scopes" a string, a number or an object → 400 invalid_request: an array of scope names', async () => {
    for (const scopes of ['enrichment', 'ab', 7, { enrichment: true }, null]) {
      const response = await expectNoChange(h, () =>
        api.call('POST', '/v1/keys', { key: tenant.admin.key, body: { name: 'Scoped', scopes } }),
      );
      expectError(
        response,
        400,
        'invalid_request',
        'Invalid request: scopes: must be an array of scope names such as ["enrichment"].',
      );
    }
  });

  it('an array that is empty, too long or holds an unknown scope still says which', async () => {
    const send = (scopes: unknown) =>
      expectNoChange(h, () =>
        api.call('POST', '/v1/keys', { key: tenant.admin.key, body: { name: 'Scoped', scopes } }),
      );
    expectError(await send([]), 400, 'invalid_request', 'Invalid request: scopes: must name at least one scope.');
    expectError(
      await send(['enrichment', 'keys:manage', 'enrichment']),
      400,
      'invalid_request',
      'Invalid request: scopes: must name at most 2 scopes.',
    );
    expectError(
      await send(['enrichment', 'everything']),
      400,
      'invalid_request',
      'Invalid request: scopes.1: Invalid option: expected one of "enrichment"|"keys:manage".',
    );
    expectStatus(
      await api.call('POST', '/v1/keys', { key: tenant.admin.key, body: { name: 'Scoped', scopes: ['enrichment'] } }),
      201,
    );
  });
});
