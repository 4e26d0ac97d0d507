// Benchmark: the GitHub App's history backfill (docs/github-app.md) of bench:history's generated
// repository, served by a real git smart-HTTP server on loopback (git http-backend), against the
// pipeline a person would run by hand in the same run: `git clone --mirror` of the same URL, then
// `git log -p -U0 --all | rg`. Then 50 small repositories in one installation at the default
// concurrency: wall time and the peak RSS of this process (the backfill runs in it; git's own
// processes are not counted). Run: npm run bench:backfill
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcessReporter } from '../key-service/exposure-reporter.js';
import { createLogger } from '../platform/logger.js';
import { KeyService } from '../key-service/service/key-service.js';
import { openStore, type Store } from '../platform/database/database.js';
import { startGitHttpServer, type GitHttpServer } from '../test/support/git-http-server.js';
import { queueHistoryScans } from '../webhook-server/backfill/queue-scans.js';
import type { InstallationDelivery } from '../webhook-server/github/payloads.js';
import { createWebhookServer, type WebhookServer } from '../webhook-server/webhook-server.js';
import { historyRepository } from './history.js';
import { median } from './scan.js';
import { GIT_ENV, REGEX } from './common.js';

const ROUNDS = 3;
const SMALL_REPOSITORIES = 50;
const TOKEN = 'ghs_benchtoken0123456789abcdefghijklmn';
const INSTALLATION = 7;

async function main(): Promise<void> {
  for (const tool of ['rg', 'git'])
    if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is not installed`);
  const { repo, manifest } = historyRepository();
  const served = mkdtempSync(join(tmpdir(), 'lfk-bench-served-'));
  mkdirSync(join(served, 'bench'));
  // The served copy is the generated repository itself (a symbolic link: nothing copied).
  spawnSync('ln', ['-s', repo, join(served, 'bench', 'history.git')]);
  const git = await startGitHttpServer(served, (token) => token === TOKEN);
  const github = await fakeGithub(git);
  try {
    console.log(
      `history: ${manifest.commits} commits, ${(manifest.bytes / 1e6).toFixed(1)} MB of patch, served at ${git.url}/bench/history.git`,
    );
    const backfill: number[] = [];
    const pipeline: number[] = [];
    let result: unknown;
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which goes first, so neither always gets the warmer cache.
      const order = round % 2 === 1 ? ['backfill', 'pipeline'] : ['pipeline', 'backfill'];
      for (const which of order) {
        if (which === 'backfill') {
          const run = await timedBackfill(github.url, ['bench/history']);
          backfill.push(run.seconds);
          result = run.results[0];
          console.log(`backfill #${round}               ${run.seconds.toFixed(2)} s`);
        } else {
          const seconds = await handPipeline(`${git.url}/bench/history.git`);
          pipeline.push(seconds);
          console.log(`clone --mirror + log | rg #${round} ${seconds.toFixed(2)} s`);
        }
      }
    }
    console.log(`job result: ${JSON.stringify(result)}`);
    const ratio = median(backfill) / median(pipeline);
    console.log('');
    console.log(`backfill                 ${median(backfill).toFixed(2)} s (median of ${ROUNDS})`);
    console.log(`clone --mirror + rg      ${median(pipeline).toFixed(2)} s (median of ${ROUNDS})`);
    console.log(`ratio                    ${ratio.toFixed(2)} (target ≤ 1.5) ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`);

    const names = Array.from({ length: SMALL_REPOSITORIES }, (_, i) => `bench/small-${String(i).padStart(2, '0')}`);
    // Each small repository holds one key the key service issued (made in the run's fresh database).
    const prepare = async (service: KeyService) => {
      const { account } = await service.createAccount({
        name: 'Bench',
        plan: 'pro',
        email: 'owner@bench.test',
        password: 'correct horse battery',
      });
      for (const name of names)
        makeSmallRepository(
          served,
          name,
          (await service.createKey(account.id, { name }, { actor: { type: 'system' } })).key,
        );
    };
    const many = await timedBackfill(github.url, names, { sampleRss: true, prepare });
    const found = many.results.reduce((sum: number, r) => sum + Number((r as { revoked?: number }).revoked ?? 0), 0);
    console.log(
      `${SMALL_REPOSITORIES} small repositories   ${many.seconds.toFixed(2)} s wall at LFK_BACKFILL_CONCURRENCY 2, peak RSS ${many.peakRssMb} MB (this process), ${found}/${SMALL_REPOSITORIES} planted keys revoked`,
    );
    if (ratio > 1.5 || found !== SMALL_REPOSITORIES) process.exitCode = 1;
  } finally {
    await git.close();
    await new Promise((resolve) => github.server.close(resolve));
    rmSync(served, { recursive: true, force: true });
  }
}

/**
 * What a person runs by hand: a mirror clone with the same credentials, then git log through rg.
 * Spawned without blocking: the git server answering the clone runs in this process.
 */
async function handPipeline(url: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'lfk-bench-mirror-'));
  const header = `Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
  const started = process.hrtime.bigint();
  try {
    await run(
      'git',
      ['-c', `http.extraHeader=${header}`, 'clone', '-q', '--mirror', url, join(dir, 'r.git')],
      tmpdir(),
    );
    await run('sh', ['-c', `git log -p -U0 --all | rg -o '${REGEX}' > /dev/null; test $? -le 1`], join(dir, 'r.git'));
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: GIT_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} failed (${code}): ${stderr.slice(0, 500)}`)),
    );
  });
}

/** One installation's backfill of `repositories`, through the real queue, worker and job, in a fresh database. */
async function timedBackfill(
  apiUrl: string,
  repositories: string[],
  options: { sampleRss?: boolean; prepare?: (service: KeyService) => Promise<void> } = {},
): Promise<{ seconds: number; results: unknown[]; peakRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lfk-bench-backfill-'));
  const store = await openStore(`sqlite:${join(dir, 'lfk.db')}`);
  const service = new KeyService(store);
  const webhooks = serverFor(store, service, apiUrl);
  let peak = process.memoryUsage().rss;
  const sampler = options.sampleRss
    ? setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
    : undefined;
  try {
    await options.prepare?.(service);
    const at = new Date().toISOString();
    await store.db
      .insertInto('github_installations')
      .values({
        id: String(INSTALLATION),
        account_login: 'bench',
        account_type: 'Organization',
        repository_selection: 'selected',
        repositories: JSON.stringify(repositories),
        status: 'active',
        created_at: at,
        updated_at: at,
      })
      .execute();
    const started = process.hrtime.bigint();
    const payload = {
      action: 'created',
      installation: { id: INSTALLATION, repository_selection: 'selected' },
      repositories: repositories.map((full_name) => ({ full_name })),
    };
    await queueHistoryScans({ event: 'installation', payload } as InstallationDelivery, 'dlv_bench', {
      store,
      github: webhooks.deps.github,
      now: () => new Date(),
    });
    await webhooks.backfill.drain();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = await store.db.selectFrom('github_backfill_jobs').select(['status', 'result', 'last_error']).execute();
    const failed = rows.filter((row) => row.status !== 'done');
    if (failed.length > 0) throw new Error(`backfill jobs not done: ${JSON.stringify(failed.slice(0, 3))}`);
    return {
      seconds,
      results: rows.map((row) => JSON.parse(row.result ?? 'null')),
      peakRssMb: Math.round(peak / 2 ** 20),
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await service.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function serverFor(store: Store, service: KeyService, apiUrl: string): WebhookServer {
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return createWebhookServer({
    store,
    logger: createLogger('silent'),
    reporter: inProcessReporter(service),
    settings: {
      githubApiUrl: apiUrl,
      githubAppId: '1',
      githubPrivateKey: privateKey,
      githubWebhookSecret: 'bench',
      gitguardianApiUrl: 'http://127.0.0.1:9',
      backfillPollMs: 10,
    },
  });
}

function makeSmallRepository(served: string, name: string, key: string): void {
  const work = mkdtempSync(join(tmpdir(), 'lfk-bench-small-'));
  const gitIn = (...args: string[]) =>
    spawnSync('git', args, {
      cwd: work,
      env: {
        ...GIT_ENV,
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@b',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@b',
      },
    });
  gitIn('init', '-q', '-b', 'main');
  for (let c = 0; c < 5; c++) {
    writeFileSync(join(work, `file-${c}.ts`), `export const value${c} = ${c};\n`.repeat(200));
    if (c === 2) writeFileSync(join(work, 'config.env'), `KEY=${key}\n`);
    gitIn('add', '-A');
    gitIn('commit', '-q', '-m', `commit ${c}`);
  }
  rmSync(join(served, `${name}.git`), { recursive: true, force: true });
  spawnSync('git', ['clone', '-q', '--bare', work, join(served, `${name}.git`)], { env: GIT_ENV });
  rmSync(work, { recursive: true, force: true });
}

async function fakeGithub(git: GitHttpServer): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(url.pathname))
      return json(201, { token: TOKEN, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    const repo = /^\/repos\/(bench\/[a-z0-9-]+)$/.exec(url.pathname);
    if (request.method === 'GET' && repo)
      return json(200, {
        full_name: repo[1],
        default_branch: 'main',
        clone_url: `${git.url}/${repo[1]}.git`,
        html_url: `https://github.com/${repo[1]}`,
      });
    if (request.method === 'POST' && /\/check-runs$/.test(url.pathname)) return json(201, { id: 1 });
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

await main();
