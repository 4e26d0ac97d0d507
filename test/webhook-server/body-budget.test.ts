// The budget for unverified webhook bodies (BodyBudget), over real HTTP on 127.0.0.1 with the
// server options `lfk serve` uses: an upload that would pass it is answered 503 at once, and every
// way an upload can end (taken, refused, cut off by the client, cut off by the request timeout)
// gives its bytes back, so a signed delivery is still taken afterwards. Also the settings for the
// HTTP timeouts (LFK_HTTP_HEADERS_TIMEOUT_MS, LFK_HTTP_REQUEST_TIMEOUT_MS).
// Not on ./support.ts: it loads nock, which holds raw sockets back (see ../security/raw-http.ts).
import { serve, type ServerType } from '@hono/node-server';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.js';
import { DEFAULT_HTTP_TIMEOUTS, httpServerOptions, httpTimeouts } from '../../cli/server.js';
import { inProcessReporter } from '../../key-service/exposure-reporter.js';
import { KeyService } from '../../key-service/service/key-service.js';
import type { Store } from '../../platform/database/database.js';
import { signGithubApp } from '../../webhook-server/verify-github-app.js';
import { createWebhookServer, type WebhookServer } from '../../webhook-server/webhook-server.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { answerWithin, head, RawUpload } from '../security/raw-http.js';

const SECRET = 'budget-test-secret';
const BUDGET = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 1000;
const KiB = 1024;

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the budget for unverified webhook bodies, over HTTP', () => {
  let database: TestDatabase;
  let store: Store;
  let webhooks: WebhookServer;
  let server: ServerType;
  let port: number;
  const logs: string[] = [];
  const open: RawUpload[] = [];

  const upload = (headers: Record<string, string>) => {
    const made = new RawUpload(
      port,
      head('/webhooks/github', { 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), ...headers }),
    );
    open.push(made);
    return made;
  };
  const fakeSigned = (declared: number) =>
    upload({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'content-length': String(declared) });
  const heldBytes = () => webhooks.bodies.heldBytes;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    store = await database.open();
    const record = (level: string) => (message: string, fields?: object) =>
      logs.push(JSON.stringify({ level, message, ...fields }));
    webhooks = createWebhookServer({
      store,
      logger: { debug() {}, info: record('info'), warn: record('warn'), error: record('error') },
      reporter: inProcessReporter(new KeyService(store)),
      settings: {
        githubApiUrl: 'http://127.0.0.1:9',
        githubAppId: '12345',
        githubPrivateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        githubWebhookSecret: SECRET,
        gitguardianApiUrl: 'http://127.0.0.1:9',
        maxUnverifiedBodyBytes: BUDGET,
      },
    });
    server = await new Promise<ServerType>((resolve) => {
      const listening = serve(
        {
          fetch: webhooks.app.fetch,
          port: 0,
          hostname: '127.0.0.1',
          serverOptions: httpServerOptions({ headersTimeoutMs: 500, requestTimeoutMs: REQUEST_TIMEOUT_MS }),
        },
        () => resolve(listening),
      );
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const made of open) made.destroy();
    await new Promise((resolve) => server?.close(resolve));
    await store?.close();
    await database?.drop();
  });

  it('answers 503 at once to the upload that would pass the budget, and gets every byte back however uploads end', async () => {
    // A holds 600 KiB of an 800 KiB body and stops.
    const holder = fakeSigned(800 * KiB);
    holder.send(Buffer.alloc(600 * KiB, 0x20));
    await until(() => heldBytes() === 600 * KiB, 'the first upload to be held');
    // B's 600 KiB do not fit beside it: 503 with Retry-After, while B is still sending.
    const refused = fakeSigned(800 * KiB);
    refused.send(Buffer.alloc(600 * KiB, 0x20));
    const busy = await answerWithin(refused, 2000);
    expect(busy?.status).toBe(503);
    expect(busy!.head).toMatch(/\r\nretry-after: 30/i);
    expect(JSON.parse(busy!.body).error.code).toBe('service_unavailable');
    expect(heldBytes()).toBe(600 * KiB);
    // A's client goes away: its bytes come back.
    holder.destroy();
    await until(() => heldBytes() === 0, 'the bytes of an upload its client cut off');

    // A wrongly signed body, sent whole: read through, 401, nothing held after.
    const wrong = fakeSigned(900 * KiB);
    wrong.send(Buffer.alloc(900 * KiB, 0x20));
    expect((await wrong.answer).status).toBe(401);
    expect(heldBytes()).toBe(0);

    // One that stops is cut off by the request timeout (408): its bytes come back too.
    const stalled = fakeSigned(900 * KiB);
    stalled.send(Buffer.alloc(300 * KiB, 0x20));
    await until(() => heldBytes() === 300 * KiB, 'the stalled upload to be held');
    expect((await stalled.answer).status).toBe(408);
    expect((await stalled.closed).byUs).toBe(false);
    await until(() => heldBytes() === 0, 'the bytes of an upload the request timeout cut off');

    // And over a chunked body past the budget: 503 too, nothing held after.
    const chunked = upload({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'transfer-encoding': 'chunked' });
    for (let index = 0; index < 20; index++) chunked.sendChunk(Buffer.alloc(64 * KiB, 0x20));
    expect((await chunked.answer).status).toBe(503);
    await until(() => heldBytes() === 0, 'the bytes of a refused chunked upload');

    // After all that, a signed delivery of 900 KiB (within the budget) is taken.
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      installation: { id: 1 },
      commits: [],
      padding: 'x'.repeat(900 * KiB),
    });
    const signed = upload({
      'x-hub-signature-256': signGithubApp(body, SECRET),
      'content-length': String(Buffer.byteLength(body)),
    });
    signed.send(body);
    const taken = await signed.answer;
    expect(taken.status).toBe(202);
    expect(JSON.parse(taken.body)).toMatchObject({ status: 'queued' });
    expect(heldBytes()).toBe(0);
    expect(logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });

  it('reads at most 64 KiB for an event lfk ignores (ping, issues), and still verifies it', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const small = upload({
      'x-github-event': 'ping',
      'x-hub-signature-256': signGithubApp(ping, SECRET),
      'content-length': String(ping.length),
    });
    small.send(ping);
    expect((await small.answer).status).toBe(200);
    const big = JSON.stringify({ action: 'opened', padding: 'x'.repeat(100 * KiB) });
    const issues = upload({
      'x-github-event': 'issues',
      'x-hub-signature-256': signGithubApp(big, SECRET),
      'content-length': String(big.length),
    });
    const answer = await answerWithin(issues, 2000);
    expect(answer?.status).toBe(413);
    expect(JSON.parse(answer!.body).error.message).toBe(`The request body is larger than ${64 * KiB} bytes.`);
    const wrong = upload({
      'x-github-event': 'issues',
      'x-hub-signature-256': signGithubApp('{}', 'another secret'),
      'content-length': '2',
    });
    wrong.send('{}');
    expect((await wrong.answer).status).toBe(401);
  });
});

describe('LFK_HTTP_HEADERS_TIMEOUT_MS and LFK_HTTP_REQUEST_TIMEOUT_MS', () => {
  it('default to 10 s and 30 s, checked every second', () => {
    expect(httpTimeouts({})).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(DEFAULT_HTTP_TIMEOUTS).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(httpServerOptions(DEFAULT_HTTP_TIMEOUTS)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1000,
    });
  });

  it('take whole milliseconds, the header timeout following a shorter request timeout', () => {
    expect(httpTimeouts({ LFK_HTTP_HEADERS_TIMEOUT_MS: '2000', LFK_HTTP_REQUEST_TIMEOUT_MS: '60000' })).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 60_000,
    });
    expect(httpTimeouts({ LFK_HTTP_REQUEST_TIMEOUT_MS: '5000' })).toEqual({
      headersTimeoutMs: 5000,
      requestTimeoutMs: 5000,
    });
    expect(httpServerOptions({ headersTimeoutMs: 400, requestTimeoutMs: 1000 }).connectionsCheckingInterval).toBe(100);
  });

  it('refuse what Node would refuse or cannot mean a timeout, naming the variable', () => {
    for (const [env, message] of [
      [
        { LFK_HTTP_REQUEST_TIMEOUT_MS: '0' },
        /LFK_HTTP_REQUEST_TIMEOUT_MS must be a whole number from 1 to 3600000 \(got "0"\)/,
      ],
      [{ LFK_HTTP_HEADERS_TIMEOUT_MS: '1.5' }, /LFK_HTTP_HEADERS_TIMEOUT_MS must be a whole number/],
      [{ LFK_HTTP_HEADERS_TIMEOUT_MS: 'ten' }, /LFK_HTTP_HEADERS_TIMEOUT_MS must be a whole number/],
      [
        { LFK_HTTP_HEADERS_TIMEOUT_MS: '20000', LFK_HTTP_REQUEST_TIMEOUT_MS: '10000' },
        /must not be longer than LFK_HTTP_REQUEST_TIMEOUT_MS/,
      ],
    ] as const) {
      expect(() => httpTimeouts(env)).toThrow(UsageError);
      expect(() => httpTimeouts(env)).toThrow(message);
    }
  });
});
