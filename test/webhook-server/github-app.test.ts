// POST /webhooks/github: real payload shapes (@octokit/webhooks-examples), signed; GitHub's REST
// API faked with nock, every expected call asserted.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { generateKey } from '../../platform/key-format.js';
import { DIALECTS } from '../support/databases.js';
import { BAD_CHECKSUM_KEY, eventsOf, keyRow } from '../support/http.js';
import {
  alertPayload,
  createWebhookHarness,
  useNoNetwork,
  useWebhookHarness,
  expectNoKeysIn,
  GITHUB_API,
  githubHeaders,
  installationPayload,
  installationRepositoriesPayload,
  nockInstallationToken,
  pushPayload,
  type WebhookHarness,
  expectFirstDelivery,
  expectNotConfigured,
} from './support.js';

const REPO = '/repos/Codertocat/Hello-World';
const HEAD = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const BEFORE = 'a10867b14bb761a232cd80139fbd4c0d33264240';

function patchAdding(...lines: string[]): string {
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join('\n');
}

useNoNetwork();

describe.each(DIALECTS)('GitHub App receiver on %s', (dialect) => {
  let h: WebhookHarness;
  useWebhookHarness(dialect, (made) => (h = made));

  async function deliver(event: string, payload: unknown, delivery?: string) {
    const body = JSON.stringify(payload);
    return h.post('/webhooks/github', body, githubHeaders(event, body, delivery));
  }

  describe('push', () => {
    it('scans a new branch commit by commit, revokes the key and fails the lfk check run', async () => {
      const { accountId, key: live } = await h.createAccountWithKey({ name: 'CRM sync' });
      const checkRuns: any[] = [];
      const github = nock(GITHUB_API)
        .post('/app/installations/1/access_tokens')
        .reply(201, {
          token: 'ghs_installationtoken0123456789abcdefghij',
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        })
        .get(`${REPO}/commits/${HEAD}`)
        .query({ page: 1, per_page: 300 })
        .reply(200, {
          sha: HEAD,
          files: [
            {
              filename: 'config/.env',
              status: 'added',
              sha: 'b1',
              additions: 3,
              patch: patchAdding('NAME=crm', `LFK_KEY="${live.key}"`, 'DEBUG=1'),
            },
          ],
        })
        .post(`${REPO}/check-runs`, (body) => checkRuns.push(body) > 0)
        .reply(201, { id: 777 });
      const answer = await deliver('push', pushPayload());
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ status: 'queued', delivery: expect.stringMatching(/^dlv_/) });
      expect(await h.drain()).toBe(1);
      github.done();
      expect(await keyRow(h, live.id)).toMatchObject({ revoked_reason: 'exposed:github-app' });
      const [exposed] = await eventsOf(h, accountId, 'key.exposed');
      expect(JSON.parse(exposed!.data)).toMatchObject({
        source: 'github',
        url: `https://github.com/Codertocat/Hello-World/blob/${HEAD}/config/.env#L2`,
        location: `Codertocat/Hello-World:config/.env:2 (${HEAD.slice(0, 7)})`,
      });
      expect(checkRuns).toHaveLength(1);
      expect(checkRuns[0]).toMatchObject({
        name: 'lfk',
        head_sha: HEAD,
        status: 'completed',
        conclusion: 'failure',
        output: {
          title: '1 Trust Leads API key found',
          annotations: [
            {
              path: 'config/.env',
              start_line: 2,
              end_line: 2,
              start_column: 10,
              end_column: 57,
              annotation_level: 'failure',
            },
          ],
        },
      });
      expect(checkRuns[0].output.annotations[0].message).toContain(live.display);
      expectNoKeysIn([JSON.stringify(checkRuns), ...h.logs, JSON.stringify(await h.deliveries())]);
      expect((await h.deliveries())[0]).toMatchObject({
        status: 'done',
        result: { via: 'commits', findings: 1, revoked: 1, check_run_id: 777 },
      });
    });

    it('uses one compare for an existing branch and reads missing or cut patches from blobs', async () => {
      const { accountId } = await h.createAccount();
      const inBinaryless = await h.createKey(accountId, { name: 'In a big file' });
      const inCut = await h.createKey(accountId, { name: 'In a cut patch' });
      const blob = (text: string) => ({
        sha: 'x',
        size: text.length,
        encoding: 'base64',
        content: Buffer.from(text).toString('base64'),
      });
      const github = nockInstallationToken(1)
        .get(`${REPO}/compare/${BEFORE}...${HEAD}`)
        .reply(200, {
          files: [
            { filename: 'README.md', status: 'modified', sha: 'r1', additions: 1, patch: '@@ -1 +1 @@\n-old\n+new' },
            { filename: 'big.json', status: 'modified', sha: 'big1', additions: 0, changes: 0 },
            { filename: 'cut.txt', status: 'added', sha: 'cut1', additions: 5000, patch: patchAdding('line 1') },
            { filename: 'firmware.bin', status: 'added', sha: 'bin1', additions: 0 },
            // A binary format by its name (the rules' path allowlist): not even fetched.
            { filename: 'logo.png', status: 'added', sha: 'png1', additions: 0 },
            { filename: 'gone.txt', status: 'removed', sha: null, additions: 0 },
          ],
        })
        .get(`${REPO}/git/blobs/big1`)
        .reply(200, blob(`{\n  "key": "${inBinaryless.key}"\n}\n`))
        .get(`${REPO}/git/blobs/cut1`)
        .reply(200, blob(`line 1\n${'filler\n'.repeat(10)}token=${inCut.key}\n`))
        .get(`${REPO}/git/blobs/bin1`)
        .reply(200, {
          sha: 'bin1',
          size: 8,
          encoding: 'base64',
          content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]).toString('base64'),
        })
        .post(`${REPO}/check-runs`, (body) => body.conclusion === 'failure' && body.output.annotations.length === 2)
        .reply(201, { id: 1 });
      const payload = pushPayload({ ref: 'refs/heads/main', before: BEFORE, created: false });
      expect((await deliver('push', payload)).status).toBe(202);
      await h.drain();
      github.done();
      expect((await keyRow(h, inBinaryless.id)).revoked_reason).toBe('exposed:github-app');
      expect((await keyRow(h, inCut.id)).revoked_reason).toBe('exposed:github-app');
      expect((await h.deliveries())[0]).toMatchObject({
        status: 'done',
        result: { via: 'compare', findings: 2, revoked: 2, skipped: 0, binary: 1 },
      });
    });

    it('opens pushed archives and searches binary files: keys in a zip inside a tar.gz, a gzip, a database', async () => {
      const { accountId } = await h.createAccount();
      const [inZip, inGzip, inDb] = await Promise.all(
        ['zip', 'gzip', 'db'].map((name) => h.createKey(accountId, { name })),
      );
      // Real archives, made by the system's zip and tar.
      const work = mkdtempSync(join(tmpdir(), 'lfk-push-archive-'));
      mkdirSync(join(work, 'conf'));
      writeFileSync(join(work, 'conf/prod.env'), `A=1\nKEY=${inZip.key}\n`);
      execFileSync('/bin/sh', ['-c', 'zip -q config.zip conf/prod.env && tar czf bundle.tar.gz config.zip'], {
        cwd: work,
      });
      const blobOf = (bytes: Buffer) => ({
        sha: 'x',
        size: bytes.length,
        encoding: 'base64',
        content: bytes.toString('base64'),
      });
      const database = Buffer.concat([
        Buffer.from('SQLite format 3\0'),
        Buffer.alloc(64),
        Buffer.from(`k${inDb.key}production`),
      ]);
      const checkRuns: any[] = [];
      const github = nockInstallationToken(1)
        .get(`${REPO}/compare/${BEFORE}...${HEAD}`)
        .reply(200, {
          files: [
            { filename: 'release/bundle.tar.gz', status: 'added', sha: 'tgz1', additions: 0 },
            { filename: 'logs/app.log.gz', status: 'added', sha: 'gz1', additions: 0 },
            { filename: 'data/app.db', status: 'added', sha: 'db1', additions: 0 },
          ],
        })
        .get(`${REPO}/git/blobs/tgz1`)
        .reply(200, blobOf(readFileSync(join(work, 'bundle.tar.gz'))))
        .get(`${REPO}/git/blobs/gz1`)
        .reply(200, blobOf(gzipSync(`started\ntoken=${inGzip.key}\n`)))
        .get(`${REPO}/git/blobs/db1`)
        .reply(200, blobOf(database))
        .post(`${REPO}/check-runs`, (body) => checkRuns.push(body) > 0)
        .reply(201, { id: 5 });
      expect(
        (await deliver('push', pushPayload({ ref: 'refs/heads/main', before: BEFORE, created: false }))).status,
      ).toBe(202);
      await h.drain();
      github.done();
      for (const key of [inZip, inGzip, inDb])
        expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:github-app');
      expect((await h.deliveries())[0]).toMatchObject({
        status: 'done',
        result: { findings: 3, revoked: 3, skipped: 0 },
      });
      // Annotations sit on the stored files; their messages say where inside.
      const annotations = checkRuns[0].output.annotations.map((a: any) => [
        a.path,
        a.start_line,
        a.message.match(/committed here( \(.*?\))?:/)[1] ?? '',
      ]);
      expect(annotations.sort()).toEqual(
        [
          ['data/app.db', 1, ' (line 1, column 82 counted in bytes)'],
          ['logs/app.log.gz', 1, ' (in logs/app.log.gz, line 2, column 7)'],
          ['release/bundle.tar.gz', 1, ' (in release/bundle.tar.gz!config.zip!conf/prod.env, line 2, column 5)'],
        ].sort(),
      );
      expect(checkRuns[0].output.summary).toContain('`release/bundle.tar.gz!config.zip!conf/prod.env` line 2');
      expectNoKeysIn([JSON.stringify(checkRuns), ...h.logs, JSON.stringify(await h.deliveries())]);
    });

    it('falls back to the pushed commits after a force push whose old head GitHub no longer has', async () => {
      const { key: live } = await h.createAccountWithKey();
      const github = nockInstallationToken(1)
        .get(`${REPO}/compare/${BEFORE}...${HEAD}`)
        .reply(404, { message: 'Not Found' })
        .get(`${REPO}/commits/${HEAD}`)
        .query(true)
        .reply(200, {
          files: [
            {
              filename: 'app.env',
              status: 'modified',
              sha: 'e',
              additions: 1,
              patch: `@@ -4,0 +5,1 @@\n+KEY=${live.key}`,
            },
          ],
        })
        .post(`${REPO}/check-runs`, (body) => body.output.annotations[0].start_line === 5)
        .reply(201, { id: 5 });
      await deliver('push', pushPayload({ ref: 'refs/heads/main', before: BEFORE, created: false, forced: true }));
      await h.drain();
      github.done();
      expect((await h.deliveries())[0]).toMatchObject({ status: 'done', result: { via: 'commits', revoked: 1 } });
    });

    it('pages a commit past 300 files, and sends annotations 50 at a time', async () => {
      const keys = Array.from({ length: 120 }, () => generateKey());
      const updates: any[] = [];
      const github = nockInstallationToken(1)
        .get(`${REPO}/commits/${HEAD}`)
        .query({ page: 1, per_page: 300 })
        .reply(
          200,
          {
            files: [{ filename: 'a.txt', status: 'added', sha: 'a', additions: 1, patch: patchAdding('nothing here') }],
          },
          {
            link: `<${GITHUB_API}${REPO}/commits/${HEAD}?page=2&per_page=300>; rel="next"`,
          },
        )
        .get(`${REPO}/commits/${HEAD}`)
        .query({ page: 2, per_page: 300 })
        .reply(200, {
          files: [{ filename: 'keys.txt', status: 'added', sha: 'k', additions: 120, patch: patchAdding(...keys) }],
        })
        .post(`${REPO}/check-runs`, (body) => body.output.annotations.length === 50 && body.conclusion === 'failure')
        .reply(201, { id: 9 })
        .patch(`${REPO}/check-runs/9`, (body) => updates.push(body) > 0)
        .times(2)
        .reply(200, { id: 9 });
      await deliver('push', pushPayload());
      await h.drain();
      github.done();
      expect(updates.map((update) => update.output.annotations.length)).toEqual([50, 20]);
      expect(updates[1].output.annotations[19].start_line).toBe(120);
      // Never issued by lfk: found and annotated, nothing to revoke.
      expect((await h.deliveries())[0]).toMatchObject({ status: 'done', result: { findings: 120, revoked: 0 } });
    });

    it('ignores lfk-shaped strings with a bad checksum (success check run, nothing revoked)', async () => {
      const github = nockInstallationToken(1)
        .get(`${REPO}/commits/${HEAD}`)
        .query(true)
        .reply(200, {
          files: [
            {
              filename: 'docs.md',
              status: 'added',
              sha: 'd',
              additions: 1,
              patch: patchAdding(`Example: ${BAD_CHECKSUM_KEY}`),
            },
          ],
        })
        .post(`${REPO}/check-runs`, (body) => body.conclusion === 'success' && body.output.annotations.length === 0)
        .reply(201, { id: 2 });
      await deliver('push', pushPayload());
      await h.drain();
      github.done();
    });

    it('handles a branch deletion without calling GitHub, and revokes a key pasted in a commit message', async () => {
      const { key: live } = await h.createAccountWithKey();
      const payload = pushPayload({
        deleted: true,
        created: false,
        after: '0'.repeat(40),
        commits: [{ id: 'c1', distinct: true, message: `rotate ${live.key}` }],
      });
      const answer = await deliver('push', payload);
      expect(answer.status).toBe(202);
      const [stored] = await h.deliveries();
      expectNoKeysIn([stored!.payload]);
      await h.drain();
      expect((await h.deliveries())[0]).toMatchObject({ status: 'done', result: { deleted: true, message_keys: 1 } });
      expect((await keyRow(h, live.id)).revoked_reason).toBe('exposed:github-app');
    });

    it('skips a push from an installation that was removed, without calling GitHub', async () => {
      const removed = installationPayload('deleted');
      removed.installation.id = 1;
      expect((await deliver('installation', removed)).status).toBe(202);
      expect((await deliver('push', pushPayload())).status).toBe(202);
      await h.drain();
      const deliveries = await h.deliveries();
      expect(deliveries.map((delivery) => delivery.status)).toEqual(['done', 'done']);
      expect(deliveries[1]!.result).toEqual({ skipped: 'installation 1 was removed or suspended' });
    });

    it('fails for good when GitHub no longer knows the installation (404), revoking nothing', async () => {
      const github = nock(GITHUB_API).post('/app/installations/1/access_tokens').reply(404, { message: 'Not Found' });
      await deliver('push', pushPayload());
      await h.drain();
      github.done();
      await expectFirstDelivery(h, 'failed', 1, '404');
    });

    it('retries after GitHub answers 500, then processes the delivery once', async () => {
      const { accountId, key: live } = await h.createAccountWithKey();
      const failing = nockInstallationToken(1)
        .get(`${REPO}/commits/${HEAD}`)
        .query(true)
        .reply(500, { message: 'boom' });
      await deliver('push', pushPayload());
      await h.drain();
      failing.done();
      await expectFirstDelivery(h, 'pending', 1, '500');
      expect((await keyRow(h, live.id)).revoked_at).toBeNull();
      const working = nock(GITHUB_API)
        .get(`${REPO}/commits/${HEAD}`)
        .query(true)
        .reply(200, {
          files: [{ filename: 'k', status: 'added', sha: 'k', additions: 1, patch: patchAdding(live.key) }],
        })
        .post(`${REPO}/check-runs`)
        .reply(201, { id: 3 });
      await h.retryNow();
      await h.drain();
      working.done();
      expect((await h.deliveries())[0]).toMatchObject({ status: 'done', attempts: 2 });
      expect(await eventsOf(h, accountId, 'key.revoked')).toHaveLength(1);
    });

    it('processes a redelivery (same X-GitHub-Delivery) once', async () => {
      const github = nockInstallationToken(1)
        .get(`${REPO}/commits/${HEAD}`)
        .query(true)
        .reply(200, { files: [] })
        .post(`${REPO}/check-runs`)
        .reply(201, { id: 4 });
      const first = await deliver('push', pushPayload(), 'delivery-1');
      const again = await deliver('push', pushPayload(), 'delivery-1');
      expect(again.body).toEqual({ status: 'duplicate', delivery: first.body.delivery });
      expect(await h.drain()).toBe(1);
      github.done();
    });
  });

  describe('secret_scanning_alert', () => {
    it('revokes an lfk key found by secret scanning and resolves the alert as revoked', async () => {
      const { key: live } = await h.createAccountWithKey();
      let resolution: any;
      const github = nockInstallationToken(1)
        .get(`${REPO}/secret-scanning/alerts/42`)
        .reply(200, {
          number: 42,
          state: 'open',
          secret: live.key,
          secret_type: 'trustleads_api_key',
          html_url: 'https://github.com/Codertocat/Hello-World/security/secret-scanning/42',
        })
        .patch(`${REPO}/secret-scanning/alerts/42`, (body) => (resolution = body) !== undefined)
        .reply(200, { number: 42, state: 'resolved' });
      expect((await deliver('secret_scanning_alert', alertPayload('created'))).status).toBe(202);
      await h.drain();
      github.done();
      expect(await keyRow(h, live.id)).toMatchObject({ revoked_reason: 'exposed:github-app' });
      expect(resolution).toMatchObject({
        state: 'resolved',
        resolution: 'revoked',
        resolution_comment: expect.stringMatching(
          /^Revoked by lfk at \d{4}-\d\d-\d\dT.*exposed in Codertocat\/Hello-World/,
        ),
      });
      expectNoKeysIn([JSON.stringify(resolution), ...h.logs, JSON.stringify(await h.deliveries())]);
    });

    it('leaves other secrets and bad-checksum lookalikes alone', async () => {
      nockInstallationToken(1);
      for (const [number, secret] of [
        [43, 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
        [44, BAD_CHECKSUM_KEY],
      ] as const) {
        const github = nock(GITHUB_API)
          .get(`${REPO}/secret-scanning/alerts/${number}`)
          .reply(200, { number, state: 'open', secret });
        await deliver('secret_scanning_alert', alertPayload('reopened', number));
        await h.drain();
        github.done();
      }
      expect((await h.deliveries()).map((delivery) => delivery.result)).toEqual([
        { alert: 43, ignored: 'not an lfk key' },
        { alert: 44, ignored: 'not an lfk key' },
      ]);
    });

    it('answers 200 without storing actions it does not act on', async () => {
      const answer = await deliver('secret_scanning_alert', alertPayload('resolved'));
      expect(answer).toMatchObject({ status: 200, body: { status: 'ignored' } });
      expect((await deliver('issues', { action: 'opened' })).body).toEqual({ status: 'ignored', event: 'issues' });
      expect((await deliver('ping', { zen: 'Keep it logically awesome.' })).body).toEqual({ status: 'pong' });
      expect(await h.deliveries()).toEqual([]);
    });
  });

  describe('installations', () => {
    it('records installation and installation_repositories events', async () => {
      await deliver('installation', installationPayload('created'));
      const removed = installationRepositoriesPayload('removed');
      removed.installation.id = 957387;
      await deliver('installation_repositories', removed);
      const suspended = installationPayload('suspend');
      suspended.installation.id = 957387;
      suspended.installation.repository_selection = 'selected';
      await deliver('installation', suspended);
      expect(await h.drain()).toBe(3);
      const rows = await h.store.db.selectFrom('github_installations').selectAll().execute();
      expect(rows).toEqual([
        expect.objectContaining({
          id: '957387',
          account_login: 'Codertocat',
          repository_selection: 'selected',
          status: 'suspended',
          repositories: '["Codertocat/Hello-World"]',
        }),
      ]);
    });
  });

  describe('bad input', () => {
    it('refuses unsigned, wrongly signed, re-signed and truncated deliveries with 401', async () => {
      const body = JSON.stringify(pushPayload());
      const headers = githubHeaders('push', body);
      const { 'x-hub-signature-256': _signature, ...unsigned } = headers;
      expect((await h.post('/webhooks/github', body, unsigned)).status).toBe(401);
      expect(
        (await h.post('/webhooks/github', body, { ...headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }))
          .status,
      ).toBe(401);
      expect(
        (await h.post('/webhooks/github', body, githubHeaders('push', body, undefined, 'another secret'))).status,
      ).toBe(401);
      const truncated = await h.post('/webhooks/github', body.slice(0, 100), headers);
      expect(truncated).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
      expect(await h.deliveries()).toEqual([]);
    });

    it('answers 400 for signed non-JSON, an array, or missing event headers', async () => {
      for (const body of ['{"truncated": ', '[1,2,3]']) {
        expect((await h.post('/webhooks/github', body, githubHeaders('push', body))).status, body).toBe(400);
      }
      const body = JSON.stringify(pushPayload());
      const { 'x-github-delivery': _delivery, ...noDelivery } = githubHeaders('push', body);
      expect((await h.post('/webhooks/github', body, noDelivery)).status).toBe(400);
      const noInstallation = JSON.stringify({ ...pushPayload(), installation: undefined });
      expect((await h.post('/webhooks/github', noInstallation, githubHeaders('push', noInstallation))).status).toBe(
        400,
      );
      expect(await h.deliveries()).toEqual([]);
    });
  });
});

describe('GitHub App receiver without settings', () => {
  it('answers 503 not_configured naming the variables', async () => {
    const h = await createWebhookHarness('sqlite', {
      settings: { githubWebhookSecret: undefined, githubAppId: undefined },
    });
    try {
      const response = await h.post('/webhooks/github', '{}', { 'x-github-event': 'push', 'x-github-delivery': 'x' });
      expectNotConfigured(response, 'LFK_GITHUB_WEBHOOK_SECRET');
      expect(response.body.error.message).toContain('LFK_GITHUB_APP_ID');
      const gg = await createWebhookHarness('sqlite', { settings: { gitguardianWebhookSecret: undefined } });
      const ggResponse = await gg.post('/webhooks/gitguardian', '{}', {});
      expect(ggResponse.body.error).toMatchObject({
        code: 'not_configured',
        message: expect.stringContaining('LFK_GITGUARDIAN_WEBHOOK_SECRET'),
      });
      await gg.close();
    } finally {
      await h.close();
    }
  });
});
