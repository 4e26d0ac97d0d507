// A push scanned as `lfk scan --git` scans the same commits: a real repository's three commits,
// served as GitHub's REST API serves them (nock), give the same findings at the same lines as
// `git log -p`, the binary file is counted and not read as text, and every key of the push goes
// to the key service (its real HTTP app on loopback) in one report.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpReporter } from '../../key-service/exposure-reporter.js';
import { sha256Hex } from '../../platform/key-format.js';
import { commit, git, newRepo, scanJson } from '../git/repo.js';
import { keyRow, unknownKey } from '../support/http.js';
import { githubBlob, githubCommit } from './github-commits.js';
import { freePort, listenKeyService, SERVICE_TOKEN, type KeyServiceServer } from './key-service-server.js';
import {
  createWebhookHarness,
  githubHeaders,
  nockInstallationToken,
  pushPayload,
  useNoNetwork,
  type WebhookHarness,
} from './support.js';

const REPO = '/repos/Codertocat/Hello-World';
const ZERO = '0'.repeat(40);

useNoNetwork();

describe('a push through the GitHub API and the same commits through git', () => {
  let h: WebhookHarness;
  let keyService: KeyServiceServer;
  beforeEach(async () => {
    const port = await freePort();
    h = await createWebhookHarness('sqlite', {
      reporter: () => httpReporter(`http://127.0.0.1:${port}`, SERVICE_TOKEN),
    });
    keyService = await listenKeyService(h.service, port);
  });
  afterEach(async () => {
    nock.cleanAll();
    await keyService.close();
    await h.close();
  });

  it("finds the keys at the lines git gives, in a binary file's bytes too, and reports all keys in one call", async () => {
    const { accountId } = await h.createAccount();
    const [k1, k2, k3, k4] = await Promise.all([1, 2, 3, 4].map(() => h.createKey(accountId)));
    const stranger = unknownKey();
    const repo = newRepo();
    const base = commit(repo, 'base', {
      // No newline at its end: the first change shows "\ No newline at end of file".
      'config/app.env': 'NAME=crm\nDEBUG=0',
      'src/settings.ts': Array.from({ length: 12 }, (_, i) => `export const v${i + 1} = ${i + 1};\n`).join(''),
    });
    git(repo, 'checkout', '-q', '-b', 'feature');
    const c1 = commit(repo, 'one', {
      'config/app.env': `NAME=crm\nDEBUG=1\nKEY=${k1!.key}\n`,
      'docs/keys.md': `# Keys\n\nUse \`${k2!.key}\` for staging.\n\nNot ${stranger} either.\n`,
    });
    const settings = Array.from({ length: 12 }, (_, i) => `export const v${i + 1} = ${i + 1};\n`);
    settings.splice(4, 1, `export const key = "${k3!.key}";\n`);
    settings.splice(8, 0, `export const again = "${k1!.key}";\n`);
    const c2 = commit(repo, 'two', {
      'src/settings.ts': settings.join(''),
      // Binary: a NUL byte, and a key inside that is found in its bytes (line and column in bytes).
      'assets/blob.dat': Buffer.concat([
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0]),
        Buffer.from(`KEY=${k4!.key}\n`),
      ]),
    });
    const c3 = commit(repo, 'three', {
      'docs/keys.md': `# Keys\n\nUse \`${k2!.key}\` for staging.\n\nNot ${stranger} either.\nProduction: ${k4!.key}\n`,
    });

    const github = nockInstallationToken(1);
    for (const sha of [c1, c2, c3])
      github.get(`${REPO}/commits/${sha}`).query({ page: 1, per_page: 300 }).reply(200, githubCommit(repo, sha));
    const binary = githubCommit(repo, c2).files.find((file) => file.filename === 'assets/blob.dat')!;
    github.get(`${REPO}/git/blobs/${binary.sha}`).reply(200, githubBlob(repo, binary.sha!));
    const checkRuns: any[] = [];
    github.post(`${REPO}/check-runs`, (body) => checkRuns.push(body) > 0).reply(201, { id: 11 });

    const payload = pushPayload({
      ref: 'refs/heads/feature',
      before: ZERO,
      after: c3,
      created: true,
      commits: [c1, c2, c3].map((id) => ({ id, distinct: true, message: 'work' })),
    });
    const body = JSON.stringify(payload);
    expect((await h.post('/webhooks/github', body, githubHeaders('push', body))).status).toBe(202);
    expect(await h.drain()).toBe(1);
    github.done();

    const { report } = await scanJson(repo, ['--git', '--range', `${base}..${c3}`]);
    const fromGit = report.findings.map((f) => [f.file, f.line, f.column]).sort();
    const annotations = checkRuns[0].output.annotations.map((a: any) => [a.path, a.start_line, a.start_column]).sort();
    // A binary file's annotation sits on its first line; its message gives the place in bytes.
    expect(annotations).toEqual(
      fromGit.map((place) => (place[0] === 'assets/blob.dat' ? [place[0], 1, undefined] : place)),
    );
    expect(checkRuns[0].output.annotations.find((a: any) => a.path === 'assets/blob.dat').message).toContain(
      'committed here (line 1, column 13 counted in bytes)',
    );
    expect(fromGit).toEqual(
      [
        ['assets/blob.dat', 1, 13],
        ['config/app.env', 3, 5],
        ['docs/keys.md', 3, 6],
        ['docs/keys.md', 5, 5],
        ['docs/keys.md', 6, 13],
        ['src/settings.ts', 5, 21],
        ['src/settings.ts', 9, 23],
      ].sort(),
    );
    expect(report.stats.binary).toBe(1);
    expect((await h.deliveries())[0]).toMatchObject({
      status: 'done',
      result: { via: 'commits', findings: 7, binary: 1, skipped: 0, revoked: 4, check_run_id: 11 },
    });
    expect(checkRuns[0].output.summary).not.toContain('Not scanned');

    // One report for the whole push: each key once, whatever commit and file it was found in.
    const reports = keyService.requests.filter((request) => request.path === '/v1/exposures');
    expect(reports).toHaveLength(1);
    expect([...reports[0]!.body.sha256s].sort()).toEqual(
      [k1!.key, k2!.key, stranger, k3!.key, k4!.key].map(sha256Hex).sort(),
    );
    // Each key with where it leaked: its own blob URL at its first line, its own place.
    const sent = reports[0]!.body as {
      reason: string;
      sha256s: string[];
      sources: Array<{ kind: string; url: string; location: string }>;
    };
    expect(sent.reason).toBe('exposed:github-app');
    const sourceOf = (key: string) => sent.sources[sent.sha256s.indexOf(sha256Hex(key))]!;
    expect(sourceOf(k1!.key)).toEqual({
      kind: 'github',
      url: expect.stringMatching(new RegExp(`/blob/${c1}/config/app\\.env#L3$`)),
      location: `Codertocat/Hello-World:config/app.env:3 (${c1.slice(0, 7)})`,
    });
    expect(new Set(sent.sources.map((source) => source.location)).size).toBe(5);
    for (const key of [k1!, k2!, k3!, k4!]) expect((await keyRow(h, key.id)).revoked_reason).toBe('exposed:github-app');
  });
});
