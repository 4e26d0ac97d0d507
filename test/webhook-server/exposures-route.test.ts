// What `POST /v1/exposures` and `POST /v1/keys/verify` give a separate webhook server (the HTTP
// ExposureReporter): hashes and a reason only with LFK_SERVICE_TOKEN, and no per-address limit for it.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../platform/key-format.js';
import { createHarness } from '../support/harness.js';
import { ApiClient, expectError, expectStatus, keyRow } from '../support/http.js';

const SERVICE_TOKEN = 'svc_route_0123456789abcdefghijklmn';

describe('exposure routes for a separate webhook server', () => {
  it('refuses sha256s, hmsl_hashes and a reason without the service token', async () => {
    const h = await createHarness('sqlite', { api: { serviceToken: SERVICE_TOKEN } });
    const api = new ApiClient(h);
    try {
      const { key } = await h.createAccountWithKey();
      const bodies = [
        { sha256s: [sha256Hex(key.key)] },
        { hmsl_hashes: ['ab'.repeat(32)] },
        { keys: [key.key], reason: 'exposed:github-app' },
      ];
      for (const body of bodies) {
        expectError(await api.post('/v1/exposures', body), 401, 'unauthenticated');
        expectError(await api.post('/v1/exposures', body, 'svc_wrong_token_0123456789abcdef'), 401, 'unauthenticated');
      }
      expect((await keyRow(h, key.id)).revoked_at).toBeNull();
      expectError(
        await api.post('/v1/exposures', { sha256s: ['x'], keys: [key.key] }, SERVICE_TOKEN),
        400,
        'invalid_request',
      );
      const relayed = await api.post(
        '/v1/exposures',
        { sha256s: [sha256Hex(key.key)], source: { kind: 'github' }, reason: 'exposed:github-app' },
        SERVICE_TOKEN,
      );
      expectStatus(relayed, 200);
      expect(relayed.body.results).toEqual([{ sha256: sha256Hex(key.key), status: 'revoked' }]);
      expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:github-app');
    } finally {
      await h.close();
    }
  });

  it('does not rate-limit the service token, and still limits everyone else', async () => {
    const h = await createHarness('sqlite', { api: { serviceToken: SERVICE_TOKEN, reportRateLimit: 2 } });
    const api = new ApiClient(h);
    try {
      for (let index = 0; index < 5; index++) {
        expectStatus(
          await api.post(
            '/v1/exposures',
            { sha256s: ['ab'.repeat(32)], reason: 'exposed:github-partner' },
            SERVICE_TOKEN,
          ),
          200,
        );
        expectStatus(await api.post('/v1/keys/verify', { keys: ['lfk_sk_x'] }, SERVICE_TOKEN), 200);
      }
      expectStatus(await api.post('/v1/exposures', { keys: ['lfk_sk_x'] }), 200);
      expectStatus(await api.post('/v1/exposures', { keys: ['lfk_sk_x'] }), 200);
      expectError(await api.post('/v1/exposures', { keys: ['lfk_sk_x'] }), 429, 'rate_limited');
    } finally {
      await h.close();
    }
  });
});
