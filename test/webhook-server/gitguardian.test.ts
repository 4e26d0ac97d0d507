// POST /webhooks/gitguardian: GitGuardian's documented event shapes (docs/reference/gitguardian.md
// §1.5–1.8), signed with timestamp + token; the resolve call faked with nock.
import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { hmslHashSync } from '../../platform/hmsl-hash.js';
import { DIALECTS } from '../support/databases.js';
import { eventsOf, keyRow } from '../support/http.js';
import {
  createWebhookHarness,
  useNoNetwork,
  useWebhookHarness,
  expectNoKeysIn,
  GG_TOKEN,
  GITGUARDIAN_API,
  gitguardianHeaders,
  type WebhookHarness,
  expectFirstDelivery,
} from './support.js';

const PATH = '/webhooks/gitguardian';

function incidentEvent(action: string, hmslHash: string, id = 31542) {
  return {
    source: 'GitGuardian',
    timestamp: '2026-11-27T07:45:32.930965Z',
    action,
    message: 'A new incident has been detected.',
    target_user: 'GitGuardian',
    target_team: 'All-incidents',
    custom_webhook_name: 'lfk',
    incident: {
      id,
      date: '2026-11-27T07:45:30Z',
      detector: {
        name: 'generic_high_entropy_secret',
        display_name: 'Generic High Entropy Secret',
        nature: 'generic',
        family: 'Other',
        detector_group_name: 'generic_high_entropy_secret',
        detector_group_display_name: 'Generic High Entropy Secret',
      },
      secret_hash: 'Ri9FjVgdOlPnBmujoxP4XPJcbe82BhJXB/SAngijw/juCISuOMgPzYhV28m6OG24',
      hmsl_hash: hmslHash,
      secret_revoked: false,
      validity: 'no_checker',
      occurrence_count: 1,
      status: 'triggered',
      regression: false,
      assignee_email: null,
      severity: 'unknown',
      ignored_at: null,
      ignore_reason: null,
      resolved_at: null,
      gitguardian_url: `https://dashboard.gitguardian.com/workspace/1/incidents/${id}`,
      share_url: null,
      feedbacks: [],
    },
    ...(action === 'new_occurrence' && {
      occurrence: {
        id: 9,
        incident_id: id,
        kind: 'RLTM',
        author_name: 'dev',
        author_info: 'dev@example.com',
        date: '2026-11-27T07:45:30Z',
        presence: 'visible',
        url: 'https://github.com/acme/app/commit/abc#diff-1',
        filepath: 'config/.env',
        change_type: 'addition',
        source: { id: 1, url: 'https://github.com/acme/app', type: 'github', full_name: 'acme/app' },
      },
    }),
  };
}

/** The dashboard's "test message": the legacy shape with no `action` and a plaintext sample match. */
const TEST_MESSAGE = {
  author: { info: 'dev@example.com', name: 'dev' },
  origin: 'GitHub',
  date: '2042-10-10 04:00:00 PM',
  type: 'Generic High Entropy Secret',
  policy: 'Secrets detection',
  gitguardian_link: 'https://dashboard.gitguardian.com',
  break_url: 'https://github.com/acme/app/commit/abc',
  severity: 'unknown',
  validity: 'no_checker',
  matches: [
    { type: 'apikey', match: 'lfk_sk_abcdefghijklmnopqrstuvwxyz012345673aayDS', index_start: 0, index_end: 47 },
  ],
};

useNoNetwork();

describe.each(DIALECTS)('GitGuardian receiver on %s', (dialect) => {
  let h: WebhookHarness;
  useWebhookHarness(dialect, (made) => (h = made));

  async function deliver(payload: unknown, timestamp?: string) {
    const body = JSON.stringify(payload);
    return h.post(PATH, body, gitguardianHeaders(body, timestamp));
  }

  it('revokes the key of incident.hmsl_hash and resolves the incident as revoked', async () => {
    const { accountId, key: live } = await h.createAccountWithKey({ name: 'Found by GitGuardian' });
    const resolve = nock(GITGUARDIAN_API, { reqheaders: { authorization: `Token ${GG_TOKEN}` } })
      .post('/v1/incidents/secrets/31542/resolve', { secret_revoked: true })
      .reply(200, { id: 31542, status: 'RESOLVED' });
    const answer = await deliver(incidentEvent('incident_triggered', hmslHashSync(live.key)));
    expect(answer.status).toBe(202);
    await h.drain();
    resolve.done();
    expect(await keyRow(h, live.id)).toMatchObject({ revoked_reason: 'exposed:gitguardian' });
    const [exposed] = await eventsOf(h, accountId, 'key.exposed');
    expect(JSON.parse(exposed!.data)).toMatchObject({
      source: 'gitguardian',
      url: 'https://dashboard.gitguardian.com/workspace/1/incidents/31542',
    });
    expect((await h.deliveries())[0]).toMatchObject({
      status: 'done',
      result: { incident: 31542, status: 'revoked', resolved: true },
    });
  });

  it('takes new_occurrence and incident_regression, each (incident, action) once, with a millisecond timestamp', async () => {
    const { accountId, key: live } = await h.createAccountWithKey();
    const hash = hmslHashSync(live.key);
    const resolve = nock(GITGUARDIAN_API)
      .post('/v1/incidents/secrets/7/resolve')
      .reply(200, {})
      .post('/v1/incidents/secrets/7/resolve')
      .reply(409, { detail: 'already resolved' });
    expect((await deliver(incidentEvent('new_occurrence', hash, 7), String(Date.now()))).status).toBe(202);
    expect((await deliver(incidentEvent('new_occurrence', hash, 7))).body.status).toBe('duplicate');
    expect((await deliver(incidentEvent('incident_regression', hash, 7))).status).toBe(202);
    expect(await h.drain()).toBe(2);
    resolve.done();
    expect(await eventsOf(h, accountId, 'key.revoked')).toHaveLength(1);
    expect(await eventsOf(h, accountId, 'key.exposed')).toHaveLength(2);
    expect((await h.deliveries()).map((delivery) => delivery.result)).toEqual([
      { incident: 7, status: 'revoked', resolved: true },
      { incident: 7, status: 'already_revoked', resolved: 'already' },
    ]);
  });

  it('leaves an incident that is not an lfk key alone (no resolve call)', async () => {
    await deliver(incidentEvent('incident_triggered', 'ab'.repeat(32)));
    await h.drain();
    expect((await h.deliveries())[0]).toMatchObject({ status: 'done', result: { status: 'unknown', resolved: false } });
  });

  it('accepts and ignores the dashboard test message and other actions, storing nothing', async () => {
    const test = await deliver(TEST_MESSAGE);
    expect(test).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'test message' } });
    expect((await deliver({ ...incidentEvent('incident_resolved', 'ab'.repeat(32)) })).body).toEqual({
      status: 'ignored',
      action: 'incident_resolved',
    });
    expect(await h.deliveries()).toEqual([]);
    expectNoKeysIn(h.logs);
  });

  it('refuses unsigned, wrongly signed, replayed and truncated deliveries with 401', async () => {
    const body = JSON.stringify(incidentEvent('incident_triggered', 'ab'.repeat(32)));
    const headers = gitguardianHeaders(body);
    expect((await h.post(PATH, body, {})).status).toBe(401);
    expect((await h.post(PATH, body, { timestamp: headers.timestamp! })).status).toBe(401);
    expect((await h.post(PATH, body, gitguardianHeaders(body, undefined, 'another token'))).status).toBe(401);
    expect((await h.post(PATH, body.slice(0, -5), headers)).status).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 301);
    const replay = await h.post(PATH, body, gitguardianHeaders(body, old));
    expect(replay).toMatchObject({
      status: 401,
      body: { error: { code: 'invalid_signature', message: expect.stringContaining('5 minutes') } },
    });
    expect((await h.post(PATH, body, gitguardianHeaders(body, String(Date.now() + 400_000)))).status).toBe(401);
    expect(await h.deliveries()).toEqual([]);
  });

  it('answers 400 for signed non-JSON, an array, or an incident without hmsl_hash', async () => {
    for (const body of ['not json', '[]', JSON.stringify({ action: 'incident_triggered', incident: { id: 1 } })]) {
      expect((await h.post(PATH, body, gitguardianHeaders(body))).status, body).toBe(400);
    }
    expect(await h.deliveries()).toEqual([]);
  });

  it('retries when GitGuardian answers 500, and fails for good on 401 (bad API token)', async () => {
    const { accountId, key: live } = await h.createAccountWithKey();
    nock(GITGUARDIAN_API).post('/v1/incidents/secrets/31542/resolve').reply(500);
    await deliver(incidentEvent('incident_triggered', hmslHashSync(live.key)));
    await h.drain();
    await expectFirstDelivery(h, 'pending', 1, '500');
    // The key is revoked at the first attempt already; the retry only resolves the incident.
    expect((await keyRow(h, live.id)).revoked_reason).toBe('exposed:gitguardian');
    const scope = nock(GITGUARDIAN_API)
      .post('/v1/incidents/secrets/31542/resolve')
      .reply(401, { detail: 'Invalid API key' });
    await h.retryNow();
    await h.drain();
    scope.done();
    await expectFirstDelivery(h, 'failed', 2, '401');
    expect(await eventsOf(h, accountId, 'key.revoked')).toHaveLength(1);
  });
});

describe('GitGuardian without an API token', () => {
  it('revokes and does not try to resolve', async () => {
    const h = await createWebhookHarness('sqlite', { settings: { gitguardianApiToken: undefined } });
    try {
      const { key: live } = await h.createAccountWithKey();
      const body = JSON.stringify(incidentEvent('incident_triggered', hmslHashSync(live.key)));
      await h.post(PATH, body, gitguardianHeaders(body));
      await h.drain();
      expect((await h.deliveries())[0]).toMatchObject({
        status: 'done',
        result: { status: 'revoked', resolved: 'LFK_GITGUARDIAN_API_TOKEN is not set' },
      });
    } finally {
      await h.close();
    }
  });
});
