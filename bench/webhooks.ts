// Webhooks, end to end through `lfk serve` (the real composition of cli/server.ts) on SQLite:
//  1. one signed partner-program batch of 1000 lfk keys (real keys created in the database):
//     the time from sending it until all 1000 are revoked (target < 1 s), and the time to answer;
//  2. GitHub App `push` deliveries: the time to answer each (p50, p99; target p99 < 100 ms, since
//     the scanning and GitHub calls happen after the answer, from the inbox).
// A local fake GitHub serves the partner public keys and the few REST calls a push makes.
//
//   npm run bench:webhooks            LFK_BENCH_PUSHES=500 npm run bench:webhooks
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../cli/server.js';
import { serverSettings } from '../cli/settings.js';
import { createLogger } from '../platform/logger.js';
import { signGithubApp } from '../webhook-server/verify-github-app.js';

const KEYS = Number(process.env.LFK_BENCH_KEYS ?? 1000);
const PUSHES = Number(process.env.LFK_BENCH_PUSHES ?? 300);
const ROUNDS = Number(process.env.LFK_BENCH_ROUNDS ?? 3);
const KEY_ID = 'b'.repeat(64);
const APP_SECRET = 'bench-app-secret';

const partnerSigner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

async function fakeGithub(): Promise<{ url: string; close(): void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = request.url ?? '/';
      const json = (status: number, body: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (url.startsWith('/meta/public_keys/secret_scanning')) {
        return json(200, {
          public_keys: [
            {
              key_identifier: KEY_ID,
              key: partnerSigner.publicKey.export({ type: 'spki', format: 'pem' }),
              is_current: true,
            },
          ],
        });
      }
      if (url.startsWith('/app/installations/'))
        return json(201, { token: 'ghs_benchtoken', expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      if (url.includes('/commits/'))
        return json(200, {
          files: [
            {
              filename: 'src/app.ts',
              status: 'modified',
              sha: 'x',
              additions: 2,
              patch: '@@ -1,1 +1,2 @@\n context\n+const x = 1;',
            },
          ],
        });
      if (url.includes('/check-runs')) return json(201, { id: 1 });
      json(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function round(
  github: string,
): Promise<{ revokeMs: number; partnerAnswerMs: number; pushP50: number; pushP99: number; pushMax: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lfk-bench-webhooks-'));
  const settings = serverSettings(
    {
      LFK_DATABASE_URL: `sqlite:${join(dir, 'lfk.db')}`,
      LFK_GITHUB_API_URL: github,
      LFK_GITHUB_APP_ID: '1',
      LFK_GITHUB_PRIVATE_KEY: appKey,
      LFK_GITHUB_WEBHOOK_SECRET: APP_SECRET,
      LFK_LOG_LEVEL: 'silent',
    },
    { port: '0' },
  );
  const server = await startServer(settings, createLogger('silent'));
  try {
    const { account } = await server.service.createAccount({
      name: 'Bench',
      plan: 'pro',
      email: 'bench@example.com',
      password: 'correct horse battery',
    });
    const keys: string[] = [];
    for (let index = 0; index < KEYS; index++) {
      keys.push(
        (await server.service.createKey(account.id, { name: `key ${index}` }, { actor: { type: 'system' } })).key,
      );
    }
    const body = JSON.stringify(
      keys.map((key, index) => ({
        token: key,
        type: 'trustleads_api_key',
        url: `https://github.com/acme/app/blob/abc/file${index}.ts`,
        source: 'content',
      })),
    );
    const signature = createSign('sha256').update(body).sign(partnerSigner.privateKey).toString('base64');
    const revokedCount = async () =>
      Number(
        (
          await server.store.db
            .selectFrom('api_keys')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('revoked_at', 'is not', null)
            .executeTakeFirstOrThrow()
        ).n,
      );

    const started = performance.now();
    const response = await fetch(`${server.url}/webhooks/github/secret-scanning`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': KEY_ID,
        'github-public-key-signature': signature,
      },
    });
    const partnerAnswerMs = performance.now() - started;
    if (response.status !== 200) throw new Error(`partner answer ${response.status}: ${await response.text()}`);
    const feedback = (await response.json()) as Array<{ label: string }>;
    if (feedback.filter((item) => item.label === 'true_positive').length !== KEYS)
      throw new Error('feedback does not label every key true_positive');
    while ((await revokedCount()) < KEYS) await new Promise((resolve) => setTimeout(resolve, 2));
    const revokeMs = performance.now() - started;

    const push = {
      ref: 'refs/heads/main',
      before: 'a'.repeat(40),
      after: 'c'.repeat(40),
      created: false,
      deleted: false,
      forced: false,
      commits: [{ id: 'c'.repeat(40), distinct: true, message: 'change' }],
      repository: {
        name: 'app',
        full_name: 'acme/app',
        html_url: 'https://github.com/acme/app',
        owner: { login: 'acme' },
      },
      installation: { id: 7 },
    };
    const pushBody = JSON.stringify(push);
    const times: number[] = [];
    for (let index = 0; index < PUSHES; index++) {
      const sent = performance.now();
      const answer = await fetch(`${server.url}/webhooks/github`, {
        method: 'POST',
        body: pushBody,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': `bench-${index}-${Math.random()}`,
          'x-hub-signature-256': signGithubApp(pushBody, APP_SECRET),
        },
      });
      await answer.arrayBuffer();
      times.push(performance.now() - sent);
      if (answer.status !== 202) throw new Error(`push answer ${answer.status}`);
    }
    times.sort((a, b) => a - b);
    return {
      revokeMs,
      partnerAnswerMs,
      pushP50: percentile(times, 50),
      pushP99: percentile(times, 99),
      pushMax: times[times.length - 1]!,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const github = await fakeGithub();
const results = [];
for (let index = 0; index < ROUNDS; index++) {
  const result = await round(github.url);
  results.push(result);
  console.log(
    `round ${index + 1}: ${KEYS} partner keys revoked in ${result.revokeMs.toFixed(0)} ms (answered in ${result.partnerAnswerMs.toFixed(0)} ms); ` +
      `push answer p50 ${result.pushP50.toFixed(1)} ms, p99 ${result.pushP99.toFixed(1)} ms, max ${result.pushMax.toFixed(1)} ms over ${PUSHES}`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  `\nmedian of ${ROUNDS}: revoke all ${KEYS}: ${median(results.map((r) => r.revokeMs)).toFixed(0)} ms (target < 1000); ` +
    `push answer p99: ${median(results.map((r) => r.pushP99)).toFixed(1)} ms (target < 100)`,
);
github.close();
