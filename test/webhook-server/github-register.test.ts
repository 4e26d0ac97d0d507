// `lfk github register` runs GitHub's manifest flow against a fake GitHub (a local HTTP server):
// the local page posts the manifest, GitHub redirects back with a code, the conversion's
// credentials land in `.env`, and `lfk serve`'s settings read them from there.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnvironment, serverSettings } from '../../cli/settings.js';
import { readPrivateKey } from '../../webhook-server/github/client.js';
import { LFK_BIN } from '../support/cli.js';
import { captureLfkRun } from '../support/leak-capture.js';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

describe('lfk github register', () => {
  let dir: string;
  let github: Server;
  let base: string;
  const seen: Array<{ method: string; url: string; body: string }> = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-register-'));
    seen.length = 0;
    github = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, body });
        const url = new URL(request.url!, base);
        if (request.method === 'POST' && url.pathname === '/organizations/acme/settings/apps/new') {
          const manifest = JSON.parse(new URLSearchParams(body).get('manifest')!);
          response
            .writeHead(302, {
              location: `${manifest.redirect_url}?code=temp-code-123&state=${url.searchParams.get('state')}`,
            })
            .end();
        } else if (request.method === 'POST' && url.pathname === '/api/v3/app-manifests/temp-code-123/conversions') {
          response.writeHead(201, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              id: 4242,
              slug: 'lfk-acme',
              name: 'lfk',
              html_url: `${base}/apps/lfk-acme`,
              pem: PEM,
              webhook_secret: 'a1b2c3-webhook-secret',
              client_id: 'Iv1.abc',
              client_secret: 'shh',
            }),
          );
        } else {
          response.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => github.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the App for an organization and writes its credentials to .env', async () => {
    writeFileSync(join(dir, '.env'), 'LFK_PORT=9000\nLFK_GITHUB_APP_ID=old\n');
    const child = spawn(process.execPath, [LFK_BIN, 'github', 'register', '--org', 'acme'], {
      cwd: dir,
      env: { ...process.env, LFK_GITHUB_API_URL: `${base}/api/v3`, LFK_PUBLIC_URL: 'https://lfk.acme.test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const local = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on('exit', () => reject(new Error(`exited early: ${stdout}${stderr}`)));
    });

    // The browser: the local page's form goes to GitHub with the manifest.
    const pageHtml = await (await fetch(`${local}/`)).text();
    const action = decodeEntities(/action="([^"]+)"/.exec(pageHtml)![1]!);
    const manifestText = decodeEntities(/name="manifest" value="([^"]+)"/.exec(pageHtml)![1]!);
    expect(action).toMatch(new RegExp(`^${base}/organizations/acme/settings/apps/new\\?state=[0-9a-f]{32}$`));
    const manifest = JSON.parse(manifestText);
    expect(manifest).toMatchObject({
      name: 'lfk',
      url: 'https://lfk.acme.test',
      public: false,
      hook_attributes: { url: 'https://lfk.acme.test/webhooks/github', active: true },
      redirect_url: `${local}/callback`,
      default_events: ['push', 'secret_scanning_alert'],
      default_permissions: { metadata: 'read', contents: 'read', checks: 'write', secret_scanning_alerts: 'write' },
    });
    const posted = await fetch(action, {
      method: 'POST',
      body: new URLSearchParams({ manifest: manifestText }),
      redirect: 'manual',
    });
    expect(posted.status).toBe(302);
    // A forged callback (wrong state) is refused and does not end the flow.
    expect((await fetch(`${local}/callback?code=temp-code-123&state=forged`)).status).toBe(400);
    const done = await fetch(posted.headers.get('location')!);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`${base}/apps/lfk-acme/installations/new`);
    expect(await exited).toBe(0);
    captureLfkRun(['github', 'register', '--org', 'acme'], dir, { stdout, stderr });
    expect(stdout).toContain('id 4242');

    const envText = readFileSync(join(dir, '.env'), 'utf8');
    expect(envText).toContain('LFK_PORT=9000');
    expect(envText).not.toContain('LFK_GITHUB_APP_ID=old');
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    const settings = serverSettings(loadEnvironment({}, dir));
    expect(settings.webhooks).toMatchObject({ githubAppId: '4242', githubWebhookSecret: 'a1b2c3-webhook-secret' });
    expect(readPrivateKey(settings.webhooks.githubPrivateKey!)).toBe(PEM);
    expect(seen.map((request) => `${request.method} ${new URL(request.url, base).pathname}`)).toEqual([
      'POST /organizations/acme/settings/apps/new',
      'POST /api/v3/app-manifests/temp-code-123/conversions',
    ]);
  });

  it('refuses a malformed organization name', async () => {
    const child = spawn(process.execPath, [LFK_BIN, 'github', 'register', '--org', 'a b'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    captureLfkRun(['github', 'register', '--org', 'a b'], dir, { stdout: '', stderr });
    expect(stderr).toContain('--org');
  });
});
