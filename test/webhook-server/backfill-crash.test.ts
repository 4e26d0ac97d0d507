// The history scan's durability (docs/github-app.md), for real: the built `lfk serve` (the GitHub
// App configured against a local fake of GitHub's REST API) is killed with SIGKILL in the middle of
// an installation's history scan, while git is still cloning one repository from a real
// `git http-backend` on loopback. A second `lfk serve` on the same database takes the job over once
// its lease runs out and finishes: every key revoked once, one e-mail per key, every repository done.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyService } from '../../key-service/service/key-service.js';
import { createProAccount } from '../support/harness.js';
import type { CreatedKey } from '../../key-service/service/types.js';
import { openStore } from '../../platform/database/database.js';
import { startLfkServer } from '../support/cli.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { GIT_ENV } from '../git/repo.js';
import { readableMail, until, startSmtpServer, type Mailbox } from './local-servers.js';
import { APP_PRIVATE_KEY, APP_SECRET, githubHeaders, installationPayload } from './support.js';

const TOKEN = 'ghs_crashtesttoken0123456789abcdefghij';
const REPOSITORIES = ['acme/one', 'acme/two', 'acme/three'];

function publish(root: string, name: string, key: string): void {
  const work = mkdtempSync(join(tmpdir(), 'lfk-crash-work-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, env: { ...process.env, ...GIT_ENV } });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(work, 'app.env'), `KEY=${key}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
  mkdirSync(join(root, 'acme'), { recursive: true });
  execFileSync('git', ['clone', '-q', '--bare', work, join(root, `${name}.git`)]);
}

describe('history backfill: SIGKILL mid-clone, then a restart', () => {
  let dir: string;
  let mailbox: Mailbox;
  let gitServer: GitHttpServer;
  let github: Server;
  let slow = true;
  const checkRuns: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-backfill-crash-'));
    mailbox = await startSmtpServer();
    // acme/two's clone hangs while `slow` holds (the first server is killed during it).
    gitServer = await startGitHttpServer(
      join(dir, 'served'),
      (token) => token === TOKEN,
      (path) => (slow && path.startsWith('/acme/two.git/') ? 60_000 : 0),
    );
    github = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const json = (status: number, body: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      request.resume();
      if (request.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(url.pathname))
        return void json(201, { token: TOKEN, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      const repo = /^\/repos\/(acme\/[a-z]+)$/.exec(url.pathname);
      if (request.method === 'GET' && repo)
        return void json(200, {
          full_name: repo[1],
          default_branch: 'main',
          clone_url: `${gitServer.url}/${repo[1]}.git`,
          html_url: `https://github.com/${repo[1]}`,
        });
      const checks = /^\/repos\/(acme\/[a-z]+)\/check-runs$/.exec(url.pathname);
      if (request.method === 'POST' && checks) {
        checkRuns.push(checks[1]!);
        return void json(201, { id: checkRuns.length });
      }
      json(404, { message: 'Not Found' });
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all([mailbox.close(), gitServer.close(), new Promise((resolve) => github.close(resolve))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the interrupted repository and finishes: every key revoked once, one e-mail each', {
    timeout: 120_000,
  }, async () => {
    const databaseUrl = `sqlite:${join(dir, 'lfk.db')}`;
    const store = await openStore(databaseUrl);
    const service = new KeyService(store);
    const { account } = await createProAccount(service, 'Acme', 'owner@acme.test');
    const keys: CreatedKey[] = [];
    for (const name of REPOSITORIES)
      keys.push(await service.createKey(account.id, { name }, { actor: { type: 'system' } }));
    await service.stop();
    await store.close();
    REPOSITORIES.forEach((name, index) => {
      publish(join(dir, 'served'), name, keys[index]!.key);
    });

    const env = {
      LFK_DATABASE_URL: databaseUrl,
      LFK_GITHUB_API_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}`,
      LFK_GITHUB_APP_ID: '42',
      LFK_GITHUB_PRIVATE_KEY: APP_PRIVATE_KEY,
      LFK_GITHUB_WEBHOOK_SECRET: APP_SECRET,
      LFK_SMTP_URL: mailbox.url,
      LFK_MAIL_FROM: 'security@acme.test',
      LFK_LOG_LEVEL: 'warn',
      LFK_BACKFILL_CONCURRENCY: '1',
      LFK_BACKFILL_LEASE_MS: '3000',
    };
    const first = await startLfkServer(env, dir);
    const payload = installationPayload('created');
    payload.repositories = REPOSITORIES.map((full_name) => ({ full_name, name: full_name.split('/')[1] }));
    const body = JSON.stringify(payload);
    const answer = await fetch(`${first.url}/webhooks/github`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...githubHeaders('installation', body) },
    });
    expect(answer.status).toBe(202);

    const check = await openStore(databaseUrl, { migrate: false });
    try {
      const jobs = () =>
        check.db
          .selectFrom('github_backfill_jobs')
          .select(['repository', 'status', 'attempts'])
          .orderBy('id')
          .execute();
      // acme/one done, acme/two being cloned (held by the git server): then the process dies.
      await until(async () => {
        const rows = await jobs();
        // (and acme/one's owner told: a notice the dead process held would wait out its own lease)
        return rows.length === 3 &&
          rows[0]!.status === 'done' &&
          rows[1]!.status === 'processing' &&
          mailbox.messages.length === 1
          ? true
          : undefined;
      }, 'the first repository done and told, and the second in progress');
      await first.stop('SIGKILL');
      expect((await jobs()).map((row) => row.status)).toEqual(['done', 'processing', 'pending']);
      expect(
        await check.db.selectFrom('api_keys').select('id').where('revoked_at', 'is not', null).execute(),
      ).toHaveLength(1);

      slow = false;
      const second = await startLfkServer(env, dir);
      try {
        await until(
          async () => ((await jobs()).every((row) => row.status === 'done') ? true : undefined),
          'every repository done',
          60_000,
        );
        await until(async () => {
          const open = await check.db
            .selectFrom('notification_outbox')
            .select('id')
            .where('status', '!=', 'done')
            .execute();
          return open.length === 0 && mailbox.messages.length >= 3 ? true : undefined;
        }, 'the notices').catch(async (error) => {
          console.log(
            JSON.stringify(
              await check.db
                .selectFrom('notification_outbox')
                .select(['channel', 'status', 'last_error', 'attempts'])
                .execute(),
            ),
            mailbox.messages.length,
            second.output().slice(-3000),
          );
          throw error;
        });
      } finally {
        await second.stop();
      }
      const rows = await jobs();
      // The interrupted one was claimed again (a second attempt); the others once.
      expect(rows.map((row) => [row.repository, Number(row.attempts)])).toEqual([
        ['acme/one', 1],
        ['acme/two', 2],
        ['acme/three', 1],
      ]);
      const revoked = await check.db.selectFrom('api_keys').select(['id', 'revoked_reason']).execute();
      expect(revoked.map((row) => row.revoked_reason)).toEqual([
        'exposed:github-app',
        'exposed:github-app',
        'exposed:github-app',
      ]);
      expect(
        await check.db.selectFrom('audit_events').select('id').where('type', '=', 'key.revoked').execute(),
      ).toHaveLength(3);
    } finally {
      await check.close();
    }
    expect(mailbox.messages).toHaveLength(3);
    const told = new Set(
      mailbox.messages.map((message) => keys.find((key) => readableMail(message.data).includes(key.display))?.id),
    );
    expect(told).toEqual(new Set(keys.map((key) => key.id)));
    expect(new Set(checkRuns)).toEqual(new Set(REPOSITORIES));
  });
});
