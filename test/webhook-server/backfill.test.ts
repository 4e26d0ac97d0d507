// Installing the GitHub App scans what was already there
// (docs/github-app.md#what-was-there-before-the-history-scan). GitHub's REST API is faked with
// nock; the repository is served for real by `git http-backend` on loopback, which wants the
// installation token as `x-access-token` credentials. Its history holds live keys (one only in a
// deleted file, one only on a side branch, one in a zip), a key revoked before, and a bad-checksum
// look-alike.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { BAD_CHECKSUM_KEY, eventsOf, keyRow } from '../support/http.js';
import { GIT_ENV } from '../git/repo.js';
import {
  GITHUB_API,
  githubHeaders,
  installationPayload,
  installationRepositoriesPayload,
  nockInstallationToken,
  useNoNetwork,
  useWebhookHarness,
  type WebhookHarness,
} from './support.js';

const TOKEN = 'ghs_installationtoken0123456789abcdefghij';
const INSTALLATION = installationPayload('created').installation.id as number;
const REPO = 'Codertocat/Hello-World';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV } })
    .toString()
    .trim();
}

useNoNetwork();

let server: GitHttpServer;
const served = mkdtempSync(join(tmpdir(), 'lfk-served-'));
beforeAll(async () => {
  server = await startGitHttpServer(served, (token) => token === TOKEN);
});
afterAll(() => server.close());

/** Builds the repository's history around the given keys and publishes it as a bare repository. */
function publish(keys: { deleted: string; branch: string; zipped: string; revoked: string }): {
  head: string;
  added: string;
  side: string;
} {
  const work = mkdtempSync(join(tmpdir(), 'lfk-backfill-work-'));
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(join(work, 'README.md'), '# hello\n');
  writeFileSync(join(work, 'old.env'), `A=1\nTRUSTLEADS_KEY=${keys.deleted}\n`);
  writeFileSync(join(work, 'lookalike.txt'), `example: ${BAD_CHECKSUM_KEY}\n`);
  writeFileSync(join(work, 'ci.yml'), `env:\n  KEY: ${keys.revoked}\n`);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'first');
  const added = git(work, 'rev-parse', 'HEAD');
  git(work, 'rm', '-q', 'old.env');
  mkdirSync(join(work, 'conf'));
  writeFileSync(join(work, 'conf/prod.env'), `KEY=${keys.zipped}\n`);
  execFileSync('zip', ['-q', 'backup.zip', 'conf/prod.env'], { cwd: work });
  execFileSync('rm', ['-r', 'conf'], { cwd: work });
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'remove the env file, add a backup');
  const head = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', '-b', 'side');
  writeFileSync(join(work, 'side.ts'), `export const key = '${keys.branch}';\n`);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'on a side branch');
  const side = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', 'main');
  execFileSync('rm', ['-rf', join(served, `${REPO}.git`)]);
  mkdirSync(join(served, 'Codertocat'), { recursive: true });
  git(served, 'clone', '-q', '--bare', work, join(served, `${REPO}.git`));
  return { head, added, side };
}

// Clones go to the temporary folder (os.tmpdir() reads TMPDIR): one of this file's own, so no
// other test file's clones are counted.
const cloneRoot = mkdtempSync(join(tmpdir(), 'lfk-backfill-tmp-'));
process.env.TMPDIR = cloneRoot;

function clonesLeft(): string[] {
  return readdirSync(cloneRoot).filter((name) => name.startsWith('lfk-clone-'));
}

describe.each(DIALECTS)('GitHub App history backfill on %s', (dialect) => {
  let h: WebhookHarness;
  useWebhookHarness(dialect, (made) => (h = made));

  async function deliver(event: string, payload: unknown, delivery?: string) {
    const body = JSON.stringify(payload);
    return h.post('/webhooks/github', body, githubHeaders(event, body, delivery));
  }

  function nockRepository() {
    return nock(GITHUB_API)
      .get(`/repos/${REPO}`)
      .reply(200, {
        full_name: REPO,
        default_branch: 'main',
        clone_url: `${server.url}/${REPO}.git`,
        html_url: `https://github.com/${REPO}`,
      });
  }

  it('on installation: every ref scanned, live keys revoked with blob URLs, one notice each, the lfk history check run', async () => {
    const { accountId } = await h.createAccount();
    const keys = {
      deleted: await h.createKey(accountId, { name: 'deleted file' }),
      branch: await h.createKey(accountId, { name: 'side branch' }),
      zipped: await h.createKey(accountId, { name: 'in a zip' }),
      revoked: await h.createKey(accountId, { name: 'revoked before' }),
    };
    await h.service.revokeKey(accountId, keys.revoked.id, undefined, { actor: { type: 'system' } });
    const { head, added, side } = publish({
      deleted: keys.deleted.key,
      branch: keys.branch.key,
      zipped: keys.zipped.key,
      revoked: keys.revoked.key,
    });
    const before = clonesLeft();
    const refusedBefore = server.refused;

    const delivery = crypto.randomUUID();
    expect((await deliver('installation', installationPayload('created'), delivery)).status).toBe(202);
    expect(await h.drain()).toBe(1);
    expect((await h.deliveries())[0]).toMatchObject({
      status: 'done',
      result: { history_scans: { queued: 1, repositories: 1 } },
    });
    // The same delivery again (GitHub redelivers): nothing new is queued.
    expect((await deliver('installation', installationPayload('created'), delivery)).status).toBeLessThan(300);
    await h.drain();
    expect(await h.backfillJobs()).toHaveLength(1);

    const checkRuns: any[] = [];
    const github = nockInstallationToken(INSTALLATION);
    nockRepository();
    github.post(`/repos/${REPO}/check-runs`, (body) => checkRuns.push(body) > 0).reply(201, { id: 91 });
    expect(await h.drainBackfill()).toBe(1);
    expect(nock.isDone()).toBe(true);

    const [job] = await h.backfillJobs();
    expect(job).toMatchObject({
      status: 'done',
      result: { repository: REPO, commits: 3, findings: 4, revoked: 3, already_revoked: 1, check_run_id: 91 },
    });
    for (const key of [keys.deleted, keys.branch, keys.zipped])
      expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:github-app');
    expect((await keyRow(h, keys.revoked.id)).revoked_reason).not.toBe('exposed:github-app');

    // Where each leaked: its own blob URL (the archive's without a line).
    const exposed = (await eventsOf(h, accountId, 'key.exposed')).map(
      (event) => JSON.parse(event.data as string) as { url: string; already_revoked: boolean; location: string },
    );
    const urls = exposed
      .filter((event) => !event.already_revoked)
      .map((event) => event.url)
      .sort();
    expect(urls).toEqual(
      [
        `https://github.com/${REPO}/blob/${added}/old.env#L2`,
        `https://github.com/${REPO}/blob/${head}/backup.zip`,
        `https://github.com/${REPO}/blob/${side}/side.ts#L1`,
      ].sort(),
    );
    // One e-mail per key revoked now (the outbox), none for the key revoked before.
    const notices = await h.store.db
      .selectFrom('notification_outbox')
      .select('key_id')
      .where('channel', '=', 'email')
      .execute();
    expect(notices.map((notice) => notice.key_id).sort()).toEqual(
      [keys.deleted.id, keys.branch.id, keys.zipped.id].sort(),
    );

    // The check run: on the default branch's head, failure, the revoked key a notice.
    expect(checkRuns).toHaveLength(1);
    expect(checkRuns[0]).toMatchObject({ name: 'lfk history', head_sha: head, conclusion: 'failure' });
    const levels = checkRuns[0].output.annotations.map((a: any) => [a.path, a.annotation_level]).sort();
    expect(levels).toEqual([
      ['backup.zip', 'failure'],
      ['ci.yml', 'notice'],
      ['old.env', 'failure'],
      ['side.ts', 'failure'],
    ]);
    expect(checkRuns[0].output.summary).toContain('it was already revoked');

    // The clone used the installation token, and nothing of it was left behind or logged.
    expect(server.refused).toBe(refusedBefore);
    expect(clonesLeft()).toEqual(before);
    expect(h.logs.join('\n')).not.toContain(TOKEN);
  });

  it('a repository removed from the installation before its turn is skipped; added ones are queued', async () => {
    expect((await deliver('installation', installationPayload('created'))).status).toBe(202);
    await h.drain();
    const removed = installationRepositoriesPayload('removed');
    removed.installation.id = INSTALLATION;
    removed.repositories_removed = [{ full_name: REPO, name: 'Hello-World' }];
    expect((await deliver('installation_repositories', removed)).status).toBe(202);
    const added = installationRepositoriesPayload('added');
    added.installation.id = INSTALLATION;
    expect((await deliver('installation_repositories', added)).status).toBe(202);
    await h.drain();
    // Nothing is asked of GitHub for the removed one (nock would refuse it).
    nockInstallationToken(INSTALLATION);
    nock(GITHUB_API).get(`/repos/${added.repositories_added[0].full_name}`).reply(404, { message: 'Not Found' });
    await h.drainBackfill();
    const jobs = await h.backfillJobs();
    expect(jobs.map((job) => [job.repository, job.status])).toEqual([
      [REPO, 'done'],
      [added.repositories_added[0].full_name, 'failed'],
    ]);
    expect(jobs[0]!.result).toMatchObject({
      skipped: 'the repository was removed from the installation before its turn',
    });
    expect(jobs[1]!.last_error).toMatch(/GitHub answered 404 to the repository/);
  });

  it('a token about to expire is replaced before the clone; a rate limit puts the job back no sooner than GitHub asked', async () => {
    const { key } = await h.createAccountWithKey();
    publish({ deleted: key.key, branch: 'y', zipped: 'z', revoked: 'w' });
    expect((await deliver('installation', installationPayload('created'))).status).toBe(202);
    await h.drain();
    // GitHub first rate-limits the repository lookup.
    nock(GITHUB_API)
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(201, { token: 'ghs_shortlivedtoken', expires_at: new Date(Date.now() + 5 * 60_000).toISOString() })
      .get(`/repos/${REPO}`)
      .reply(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'retry-after': '120' });
    const asked = Date.now();
    await h.drainBackfill();
    const [limited] = await h.backfillJobs();
    expect(limited).toMatchObject({ status: 'pending', attempts: 1 });
    expect(limited!.last_error).toMatch(/GitHub rate-limited the repository .* retrying in 120 s/);
    const next = await h.store.db
      .selectFrom('github_backfill_jobs')
      .select('next_attempt_at')
      .executeTakeFirstOrThrow();
    expect(Date.parse(next.next_attempt_at)).toBeGreaterThanOrEqual(asked + 119_000);
    // Due again: the cached token has 5 minutes left, too little for a clone: a new one is made.
    await h.store.db
      .updateTable('github_backfill_jobs')
      .set({ next_attempt_at: new Date(0).toISOString() })
      .execute();
    const fresh = nockInstallationToken(INSTALLATION);
    nockRepository();
    fresh.post(`/repos/${REPO}/check-runs`).reply(201, { id: 3 });
    await h.drainBackfill();
    expect(nock.isDone()).toBe(true);
    expect((await h.backfillJobs())[0]).toMatchObject({ status: 'done', attempts: 2, result: { revoked: 1 } });
    expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:github-app');
  });

  it('a clone the git server refuses is retried, and leaves no folder behind', async () => {
    publish({ deleted: 'x', branch: 'y', zipped: 'z', revoked: 'w' });
    expect((await deliver('installation', installationPayload('created'))).status).toBe(202);
    await h.drain();
    const before = clonesLeft();
    // A token the git server does not take (one revoked in between, say).
    nock(GITHUB_API)
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(201, { token: 'ghs_wrongtoken', expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    nockRepository();
    await h.drainBackfill();
    const [job] = await h.backfillJobs();
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job!.last_error).toMatch(/git clone http:\/\/127\.0\.0\.1:\d+\/Codertocat\/Hello-World\.git failed/);
    expect(job!.last_error).not.toContain('ghs_wrongtoken');
    expect(clonesLeft()).toEqual(before);
  });
});
