// Webhook uploads against the built `lfk serve` over real HTTP on 127.0.0.1 (`npm run build`): an
// unsigned or implausibly signed body is refused before it is read, a wrongly signed one is read
// through a streaming HMAC within a process-wide budget, and stalled uploads are dropped by the
// server's header and request timeouts (LFK_HTTP_HEADERS_TIMEOUT_MS, LFK_HTTP_REQUEST_TIMEOUT_MS),
// with the server's memory (VmRSS / VmHWM of the child process) bounded meanwhile.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GITHUB_APP_BODY_BYTES } from '../../webhook-server/receivers/github-app.js';
import { MAX_PARTNER_BODY_BYTES } from '../../webhook-server/receivers/github-partner.js';
import { MAX_GITGUARDIAN_BODY_BYTES } from '../../webhook-server/receivers/gitguardian.js';
import { signGithubApp } from '../../webhook-server/verify-github-app.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startLfkServer, type ServerProcess } from '../support/cli.js';
// From signing.ts, not support.ts: that one loads nock, which would hold a stalled upload's connection back.
import {
  APP_PRIVATE_KEY,
  APP_SECRET,
  GG_SECRET,
  gitguardianHeaders,
  PARTNER_KEY_ID,
  partnerHeaders,
  partnerKeyPair,
  pushPayload,
} from '../webhook-server/signing.js';
import { DOCS_BODY, DOCS_KEY_ID, DOCS_PUBLIC_KEY, DOCS_SIGNATURE } from '../webhook-server/vectors.js';
import { answerWithin, head, memoryOf, RawUpload, resetPeak } from './raw-http.js';

const MB = 1_000_000;
const MIB = 1024 * 1024;
/** The attack in the report: 24 MB declared, under the App receiver's 25 MiB limit. */
const BIG = 24 * MB;
const FAKE_HMAC = `sha256=${'0'.repeat(64)}`;

function portOf(server: ServerProcess): number {
  return Number(new URL(server.url).port);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- The three receivers: where they are, how each is (not) signed. ---

interface ReceiverCase {
  path: string;
  /** A body size under the receiver's own limit, declared in Content-Length. */
  declared: number;
  /** Headers other than the signature a real sender sends. */
  base: Record<string, string>;
  /** Signature headers that are present but cannot be a signature (wrong shape, length or prefix). */
  implausible: Array<Record<string, string>>;
  /** Signature headers that look right but do not match any body (read, then refused). */
  plausible: Record<string, string>;
}

const RECEIVERS: ReceiverCase[] = [
  {
    path: '/webhooks/github',
    declared: BIG,
    base: {
      'x-github-event': 'push',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'user-agent': 'GitHub-Hookshot/abc123',
    },
    implausible: [
      { 'x-hub-signature-256': 'sha256=abc' },
      { 'x-hub-signature-256': `sha1=${'0'.repeat(40)}` },
      { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` },
      { 'x-hub-signature-256': `${'0'.repeat(64)}` },
    ],
    plausible: { 'x-hub-signature-256': FAKE_HMAC },
  },
  {
    path: '/webhooks/github/secret-scanning',
    declared: MAX_PARTNER_BODY_BYTES - 1,
    base: {},
    implausible: [
      { 'github-public-key-identifier': PARTNER_KEY_ID },
      { 'github-public-key-signature': DOCS_SIGNATURE },
      { 'github-public-key-identifier': PARTNER_KEY_ID, 'github-public-key-signature': 'not base64 at all!' },
      { 'github-public-key-identifier': PARTNER_KEY_ID, 'github-public-key-signature': 'A'.repeat(4000) },
      { 'github-public-key-identifier': 'x'.repeat(2000), 'github-public-key-signature': DOCS_SIGNATURE },
    ],
    plausible: { 'github-public-key-identifier': PARTNER_KEY_ID, 'github-public-key-signature': DOCS_SIGNATURE },
  },
  {
    path: '/webhooks/gitguardian',
    declared: MAX_GITGUARDIAN_BODY_BYTES - 1,
    base: {},
    implausible: [
      { timestamp: String(Math.floor(Date.now() / 1000)) },
      { 'gitguardian-signature': FAKE_HMAC },
      { 'gitguardian-signature': 'sha256=abc', timestamp: String(Math.floor(Date.now() / 1000)) },
      { 'gitguardian-signature': FAKE_HMAC, timestamp: 'yesterday' },
    ],
    plausible: { 'gitguardian-signature': FAKE_HMAC, timestamp: String(Math.floor(Date.now() / 1000)) },
  },
];

/** GitHub's partner-program keys, served locally: the documented key and one of ours. */
async function startKeysServer(publicPem: string): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', etag: '"k1"' });
    response.end(
      JSON.stringify({
        public_keys: [
          { key_identifier: PARTNER_KEY_ID, key: publicPem, is_current: true },
          { key_identifier: DOCS_KEY_ID, key: DOCS_PUBLIC_KEY, is_current: false },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function serverEnv(database: TestDatabase, keys: Server, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LFK_DATABASE_URL: database.url,
    LFK_GITHUB_API_URL: `http://127.0.0.1:${(keys.address() as AddressInfo).port}`,
    LFK_GITHUB_APP_ID: '12345',
    LFK_GITHUB_PRIVATE_KEY: APP_PRIVATE_KEY,
    LFK_GITHUB_WEBHOOK_SECRET: APP_SECRET,
    LFK_GITGUARDIAN_WEBHOOK_SECRET: GG_SECRET,
    // The deliveries stay in the inbox: this file is about taking them in, not working on them.
    LFK_INBOX_START_DELAY_MS: '600000',
    LFK_LOG_LEVEL: 'warn',
    ...extra,
  };
}

const signer = partnerKeyPair();

describe('webhook uploads refused before they are read (lfk serve on 127.0.0.1)', () => {
  let database: TestDatabase;
  let keys: Server;
  let server: ServerProcess;
  const open: RawUpload[] = [];
  const upload = (path: string, headers: Record<string, string>) => {
    const made = new RawUpload(portOf(server), head(path, headers));
    open.push(made);
    return made;
  };

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    keys = await startKeysServer(signer.publicPem);
    server = await startLfkServer(serverEnv(database, keys));
  });
  afterAll(async () => {
    for (const made of open) made.destroy();
    await server?.stop();
    await new Promise((resolve) => keys?.close(resolve));
    await database?.drop();
  });

  describe.each(RECEIVERS.map((receiver) => [receiver.path, receiver] as const))('%s', (_, receiver) => {
    it('answers 401 at once to a large upload with no signature, while the client has sent only 64 KiB of it', async () => {
      const made = upload(receiver.path, { ...receiver.base, 'content-length': String(receiver.declared) });
      made.send(Buffer.alloc(64 * 1024, 0x20));
      const answer = await answerWithin(made, 2000);
      expect(answer, 'no answer within 2 s: the body is being waited for').toBeDefined();
      expect(answer!.status).toBe(401);
      expect(JSON.parse(answer!.body).error.code).toBe('invalid_signature');
      expect(answer!.sentBodyBytes).toBe(64 * 1024);
      // The connection is not kept waiting for the 24 MB either.
      expect((await Promise.race([made.closed, sleep(3000).then(() => undefined)]))?.byUs).toBe(false);
    });

    it('answers 401 at once to a signature header of the wrong shape, length or prefix', async () => {
      for (const signature of receiver.implausible) {
        const made = upload(receiver.path, {
          ...receiver.base,
          ...signature,
          'content-length': String(receiver.declared),
        });
        made.send(Buffer.alloc(16 * 1024, 0x20));
        const answer = await answerWithin(made, 2000);
        expect(answer, JSON.stringify(signature).slice(0, 200)).toBeDefined();
        expect(answer!.status, JSON.stringify(signature).slice(0, 200)).toBe(401);
        made.destroy();
      }
    });

    it('answers 401 at once to a chunked upload (no Content-Length) with no signature', async () => {
      const made = upload(receiver.path, { ...receiver.base, 'transfer-encoding': 'chunked' });
      made.sendChunk(Buffer.alloc(32 * 1024, 0x20));
      const answer = await answerWithin(made, 2000);
      expect(answer, 'no answer within 2 s: the chunked body is being waited for').toBeDefined();
      expect(answer!.status).toBe(401);
      expect(answer!.sentBodyBytes).toBe(32 * 1024);
      made.destroy();
    });
  });

  it('answers 400 at once to a GitHub upload without X-GitHub-Event or X-GitHub-Delivery', async () => {
    const { 'x-github-event': _event, ...noEvent } = RECEIVERS[0]!.base;
    const { 'x-github-delivery': _delivery, ...noDelivery } = RECEIVERS[0]!.base;
    for (const headers of [noEvent, noDelivery]) {
      const made = upload('/webhooks/github', {
        ...headers,
        'x-hub-signature-256': FAKE_HMAC,
        'content-length': String(BIG),
      });
      made.send(Buffer.alloc(16 * 1024, 0x20));
      const answer = await answerWithin(made, 2000);
      expect(answer, JSON.stringify(headers)).toBeDefined();
      expect(answer!.status).toBe(400);
      expect(JSON.parse(answer!.body).error.code).toBe('invalid_request');
      made.destroy();
    }
  });

  it('reads wrongly signed 24 MB uploads through a streaming HMAC and answers 401, within a bounded peak of memory', async () => {
    const pid = server.child.pid!;
    const before = memoryOf(pid);
    resetPeak(pid);
    const body = Buffer.alloc(BIG, 0x20);
    const uploads = Array.from({ length: 12 }, () => {
      const made = upload('/webhooks/github', {
        ...RECEIVERS[0]!.base,
        ...RECEIVERS[0]!.plausible,
        'content-length': String(BIG),
      });
      made.send(body);
      return made;
    });
    const answers = await Promise.all(uploads.map((made) => made.answer));
    const after = memoryOf(pid);
    const statuses = answers.map((answer) => answer.status);
    process.stdout.write(
      `[memory] 12 concurrent wrongly signed 24 MB uploads: RSS before ${before.rssMiB} MiB, peak ${after.peakMiB} MiB ` +
        `(+${after.peakMiB - before.rssMiB} MiB), after ${after.rssMiB} MiB; answers ${statuses.join(',')}\n`,
    );
    // Each is refused: 401 once read and checked, or 503 when the budget for unverified bodies is spent.
    for (const answer of answers) expect([401, 503]).toContain(answer.status);
    expect(statuses).toContain(401);
    for (const answer of answers.filter((made) => made.status === 401))
      expect(JSON.parse(answer.body).error.code).toBe('invalid_signature');
    // Buffered whole and copied once more before the check (old code), 12 × 24 MB take 300 MiB
    // and more; here the budget (64 MiB), plus chunks of refused uploads until they are collected.
    expect(after.peakMiB - before.rssMiB).toBeLessThan(200);
    for (const made of uploads) made.destroy();
  });

  it('still answers 413 at once to a signed GitHub body declared over 25 MiB', async () => {
    const made = upload('/webhooks/github', {
      ...RECEIVERS[0]!.base,
      'x-hub-signature-256': FAKE_HMAC,
      'content-length': String(MAX_GITHUB_APP_BODY_BYTES + 1),
    });
    const answer = await answerWithin(made, 2000);
    expect(answer?.status).toBe(413);
    made.destroy();
  });
});

describe('stalled webhook uploads against lfk serve with short timeouts', () => {
  const HEADERS_TIMEOUT_MS = 1500;
  const REQUEST_TIMEOUT_MS = 3000;
  let database: TestDatabase;
  let keys: Server;
  let server: ServerProcess;
  const open: RawUpload[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    keys = await startKeysServer(signer.publicPem);
    server = await startLfkServer(
      serverEnv(database, keys, {
        LFK_HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        LFK_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      }),
    );
  });
  afterAll(async () => {
    for (const made of open) made.destroy();
    await server?.stop();
    await new Promise((resolve) => keys?.close(resolve));
    await database?.drop();
  });

  it('holds 43 stalled uploads (24 MB declared) in bounded memory and drops every one after the header or request timeout', async () => {
    const pid = server.child.pid!;
    const port = portOf(server);
    await sleep(500);
    const before = memoryOf(pid);
    resetPeak(pid);
    const started = Date.now();
    // RSS every 100 ms while the uploads are open: the highest is reported as "during".
    let highestSampled = before.rssMiB;
    const sampler = setInterval(() => (highestSampled = Math.max(highestSampled, memoryOf(pid).rssMiB)), 100);
    const stalledAfterHeaders: RawUpload[] = [];
    const stalledMidBody: RawUpload[] = [];
    const stalledMidHeaders: RawUpload[] = [];
    const twelveMiB = Buffer.alloc(12 * MIB, 0x20);
    const start = (receiver: ReceiverCase, declared: number) => {
      const made = new RawUpload(
        port,
        head(receiver.path, { ...receiver.base, ...receiver.plausible, 'content-length': String(declared) }),
      );
      open.push(made);
      return made;
    };
    const [app, partner, gitguardian] = RECEIVERS as [ReceiverCase, ReceiverCase, ReceiverCase];
    // 3 that never finish their headers, connected before the load starts so the clock is theirs.
    for (let index = 0; index < 3; index++) {
      const made = new RawUpload(
        port,
        `POST /webhooks/github HTTP/1.1\r\nhost: 127.0.0.1\r\nx-hub-signature-256: ${FAKE_HMAC}\r\n`,
      );
      open.push(made);
      stalledMidHeaders.push(made);
    }
    await Promise.all(stalledMidHeaders.map((made) => made.connected));
    // 26 App uploads send 12 MiB of their 24 MB and stop: 312 MiB offered, all of it held by old code.
    for (let index = 0; index < 26; index++) {
      const made = start(app, BIG);
      made.send(twelveMiB);
      stalledMidBody.push(made);
    }
    // 10 App uploads stop right after their headers; 2 partner and 2 GitGuardian ones after 64 KiB.
    for (let index = 0; index < 10; index++) stalledAfterHeaders.push(start(app, BIG));
    for (const receiver of [partner, partner, gitguardian, gitguardian]) {
      const made = start(receiver, receiver.declared);
      made.send(Buffer.alloc(64 * 1024, 0x20));
      stalledAfterHeaders.push(made);
    }
    const everyone = [...stalledAfterHeaders, ...stalledMidBody, ...stalledMidHeaders];
    const deadline = REQUEST_TIMEOUT_MS + 4000;
    const closes = await Promise.all(
      everyone.map((made) =>
        Promise.race([made.closed, sleep(deadline).then(() => ({ atMs: Infinity, byUs: false }))]),
      ),
    );
    const closedAt = Date.now() - started;
    clearInterval(sampler);
    await sleep(500);
    const after = memoryOf(pid);
    const headerCloses = closes.slice(stalledAfterHeaders.length + stalledMidBody.length);
    process.stdout.write(
      `[memory] ${everyone.length} stalled uploads (${stalledMidBody.length} × 12 MiB sent of 24 MB declared): RSS before ${before.rssMiB} MiB, ` +
        `during ${highestSampled} MiB at most (+${highestSampled - before.rssMiB}), peak ${after.peakMiB} MiB (+${after.peakMiB - before.rssMiB}), ` +
        `after ${after.rssMiB} MiB; all closed by the server after ${closedAt} ms; mid-header ones after ${headerCloses.map((close) => close.atMs).join(',')} ms\n`,
    );
    // Every connection was dropped by the server, none later than the request timeout (plus the
    // check interval); the ones stuck in their headers by the header timeout.
    for (const close of closes) {
      expect(close.byUs).toBe(false);
      expect(close.atMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2500);
    }
    for (const close of headerCloses) expect(close.atMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2000);
    // Held: the 64 MiB budget for unverified bodies, plus chunks of refused uploads until the
    // garbage collector frees them: far less than what was sent (312 MiB, held whole by old code),
    // let alone declared (36 × 24 MB, and 4 more).
    expect(highestSampled - before.rssMiB).toBeLessThan(200);
    expect(after.peakMiB - before.rssMiB).toBeLessThan(200);
    // Whoever still had a request open when the timeout struck was told 408 (or 503 earlier, when
    // the budget for unverified bodies was spent); no upload was ever taken.
    for (const made of stalledMidBody) {
      const answer = await made.answer.catch(() => undefined);
      if (answer) expect([408, 503]).toContain(answer.status);
    }
    // Cut-off uploads are no error on the server's side.
    expect(server.output()).not.toMatch(/"level":"error"/);
  }, 30_000);
});

describe.each(DIALECTS)('signed deliveries over real HTTP still taken (lfk serve on %s)', (dialect) => {
  let database: TestDatabase;
  let keys: Server;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    keys = await startKeysServer(signer.publicPem);
    server = await startLfkServer(serverEnv(database, keys));
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => keys?.close(resolve));
    await database?.drop();
  });

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('takes the reference vectors through the signature check (GitHub docs, partner docs sample, GitGuardian)', async () => {
    // GitHub's docs vector: the signature matches, so the answer is about the body (not JSON), not 401.
    const hello = await post('/webhooks/github', 'Hello, World!', {
      'x-github-event': 'push',
      'x-github-delivery': 'd-hello',
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    expect([hello.status, hello.body.error.code]).toEqual([400, 'invalid_json']);
    // The partner program's documented sample, signed by GitHub's published key: taken.
    const partner = await post('/webhooks/github/secret-scanning', DOCS_BODY, {
      'github-public-key-identifier': DOCS_KEY_ID,
      'github-public-key-signature': DOCS_SIGNATURE,
    });
    expect(partner.status).toBe(200);
    expect(partner.body).toEqual([
      { token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: 'some_type', label: 'false_positive' },
    ]);
    const changed = await post('/webhooks/github/secret-scanning', DOCS_BODY.replace('some_token', 'some_tokem'), {
      'github-public-key-identifier': DOCS_KEY_ID,
      'github-public-key-signature': DOCS_SIGNATURE,
    });
    expect(changed.status).toBe(401);
    // GitGuardian's documented vector (Timestamp 0): the signature matches, so it is refused as a replay.
    const replay = await post('/webhooks/gitguardian', 'bar', gitguardianHeaders('bar', '0'));
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toContain('5 minutes');
  });

  it('queues a signed push, a signed partner batch and a signed GitGuardian incident, with Content-Length and chunked', async () => {
    const push = JSON.stringify(pushPayload());
    const queued = await post('/webhooks/github', push, {
      'x-github-event': 'push',
      'x-github-delivery': `d-${dialect}-1`,
      'x-hub-signature-256': signGithubApp(push, APP_SECRET),
    });
    expect(queued).toMatchObject({ status: 202, body: { status: 'queued', delivery: expect.stringMatching(/^dlv_/) } });

    // The same push again, chunked in 1 KiB pieces without Content-Length, under another delivery id.
    const chunked = new RawUpload(
      portOf(server),
      head('/webhooks/github', {
        'x-github-event': 'push',
        'x-github-delivery': `d-${dialect}-2`,
        'x-hub-signature-256': signGithubApp(push, APP_SECRET),
        'transfer-encoding': 'chunked',
      }),
    );
    const bytes = Buffer.from(push);
    for (let offset = 0; offset < bytes.length; offset += 1024)
      chunked.sendChunk(bytes.subarray(offset, offset + 1024));
    chunked.send('0\r\n\r\n');
    const answer = await chunked.answer;
    chunked.destroy();
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'queued' });

    const batch = JSON.stringify([
      {
        token: 'ghp_not_ours_0123456789',
        type: 'trustleads_api_key',
        url: 'https://github.com/o/r/blob/x/f',
        source: 'content',
      },
    ]);
    const partner = await post('/webhooks/github/secret-scanning', batch, partnerHeaders(batch, signer.privateKey));
    expect(partner.status).toBe(200);

    const incident = JSON.stringify({ action: 'incident_triggered', incident: { id: 7, hmsl_hash: 'a'.repeat(64) } });
    const gg = await post('/webhooks/gitguardian', incident, gitguardianHeaders(incident));
    expect(gg).toMatchObject({ status: 202, body: { status: 'queued' } });
  });
});
