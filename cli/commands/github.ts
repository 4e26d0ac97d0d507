// lfk github register [--org ORG] [--port N] [--manifest FILE] [--webhook-url URL]
// Creates the GitHub App from .github/app.yml with GitHub's manifest flow, as probot does: a local
// page posts the manifest to GitHub, GitHub redirects back with a code, and
// `POST /app-manifests/{code}/conversions` returns the App's id, private key and webhook secret,
// which are written to `.env` (read by `lfk serve`).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSingleAction, UsageError } from '../command.js';
import { packageRoot } from '../version.js';
import { loadEnvironment, serverSettings } from '../settings.js';

const USAGE = 'usage: lfk github register [--org ORG] [--port N] [--manifest FILE] [--webhook-url URL]';
// GitHub gives the whole flow an hour.
const FLOW_TIMEOUT_MS = 60 * 60_000;

export interface Conversion {
  id: number;
  slug?: string;
  name?: string;
  html_url?: string;
  pem: string;
  webhook_secret: string;
  client_id?: string;
  client_secret?: string;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseSingleAction(args, 'github', 'register', USAGE, {
    org: { type: 'string' },
    port: { type: 'string' },
    manifest: { type: 'string' },
    'webhook-url': { type: 'string' },
  });
  if (values.org !== undefined && !/^[A-Za-z0-9-]{1,39}$/.test(values.org))
    throw new UsageError(`--org must be a GitHub organization login (got "${values.org}")`);
  const env = loadEnvironment();
  const settings = serverSettings(env);
  const apiUrl = settings.webhooks.githubApiUrl;
  const webUrl = githubWebUrl(apiUrl);
  const manifest = readManifest(values.manifest);
  const state = randomBytes(16).toString('hex');

  const { promise: done, resolve: finish, reject: fail } = withResolvers<Conversion>();
  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      respond(
        response,
        500,
        page(
          'Registration failed',
          `<p>${escapeHtml(error.message)}</p><p>Run <code>lfk github register</code> again.</p>`,
        ),
      );
      fail(error);
    });
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number (got "${values.port}")`);
  await new Promise<void>((ready, refuse) => {
    server.once('error', refuse);
    server.listen(port, '127.0.0.1', ready);
  });
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const filled = {
    ...manifest,
    url: typeof manifest.url === 'string' ? manifest.url : settings.publicUrl,
    hook_attributes: { url: values['webhook-url'] ?? `${settings.publicUrl}/webhooks/github`, active: true },
    redirect_url: `${local}/callback`,
  };
  const target = values.org ? `${webUrl}/organizations/${values.org}/settings/apps/new` : `${webUrl}/settings/apps/new`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', local);
    if (request.method === 'GET' && url.pathname === '/') {
      // The browser posts the manifest to GitHub (a plain form: the flow needs the person signed in there).
      const form = `<form id="register" method="post" action="${escapeHtml(`${target}?state=${state}`)}">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(filled))}">
<button type="submit">Create the lfk GitHub App on GitHub</button></form>
<script>document.getElementById('register').submit()</script>`;
      return respond(response, 200, page('Register the lfk GitHub App', form));
    }
    if (request.method === 'GET' && url.pathname === '/callback') {
      const code = url.searchParams.get('code');
      if (url.searchParams.get('state') !== state || !code || !/^[\w-]{1,100}$/.test(code)) {
        return respond(
          response,
          400,
          page('Registration refused', '<p>The answer from GitHub does not belong to this registration.</p>'),
        );
      }
      const conversion = await convert(apiUrl, code, settings.outboundTimeoutMs);
      const installUrl = conversion.html_url
        ? `${conversion.html_url}/installations/new`
        : `${webUrl}/apps/${conversion.slug ?? ''}/installations/new`;
      respond(
        response,
        200,
        page(
          'lfk GitHub App created',
          `<p>Saved its credentials to <code>.env</code>.</p><p><a href="${escapeHtml(installUrl)}">Install it on your repositories</a>.</p>`,
        ),
      );
      return finish(conversion);
    }
    respond(response, 404, page('Not found', ''));
  }

  process.stdout.write(
    `Open ${local}/ in a browser signed in to GitHub to create the lfk GitHub App${values.org ? ` for ${values.org}` : ''}.\n`,
  );
  const timer = setTimeout(
    () => fail(new Error('the GitHub manifest flow was not finished within an hour')),
    FLOW_TIMEOUT_MS,
  );
  try {
    const conversion = await done;
    const envFile = resolve('.env');
    writeEnv(envFile, {
      LFK_GITHUB_APP_ID: String(conversion.id),
      LFK_GITHUB_PRIVATE_KEY: conversion.pem,
      LFK_GITHUB_WEBHOOK_SECRET: conversion.webhook_secret,
    });
    process.stdout.write(
      `Created the GitHub App ${conversion.slug ?? conversion.name ?? conversion.id} (id ${conversion.id}); wrote LFK_GITHUB_APP_ID, LFK_GITHUB_PRIVATE_KEY and LFK_GITHUB_WEBHOOK_SECRET to ${envFile}.\n` +
        `Next: install it (${conversion.html_url ?? webUrl}/installations/new), then restart lfk serve.\n`,
    );
    return 0;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  }
}

/** github.com for api.github.com; `https://HOST` for GitHub Enterprise's `https://HOST/api/v3`. */
export function githubWebUrl(apiUrl: string): string {
  if (/^https:\/\/api\.github\.com\/?$/.test(apiUrl)) return 'https://github.com';
  return apiUrl.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '');
}

function readManifest(file: string | undefined): Record<string, unknown> {
  const candidates = file ? [resolve(file)] : [resolve('.github/app.yml'), join(packageRoot(), '.github', 'app.yml')];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) throw new UsageError(`cannot find the App manifest (${candidates.join(' or ')})`);
  const manifest: unknown = parseYaml(readFileSync(path, 'utf8'));
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
    throw new UsageError(`${path}: the manifest must be a YAML mapping`);
  return manifest as Record<string, unknown>;
}

async function convert(apiUrl: string, code: string, timeoutMs: number): Promise<Conversion> {
  const response = await fetch(`${apiUrl}/app-manifests/${encodeURIComponent(code)}/conversions`, {
    method: 'POST',
    headers: { accept: 'application/vnd.github+json', 'user-agent': 'lfk' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`GitHub answered ${response.status} to the manifest conversion: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as Partial<Conversion>;
  if (typeof body.id !== 'number' || typeof body.pem !== 'string' || typeof body.webhook_secret !== 'string') {
    throw new Error("GitHub's manifest conversion did not include the App id, private key and webhook secret");
  }
  return body as Conversion;
}

/** Sets these variables in `.env`, keeping every other line; values are double-quoted with `\n` escapes. */
export function writeEnv(path: string, values: Record<string, string>): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
  const kept = lines.filter((line) => !Object.keys(values).some((name) => line.startsWith(`${name}=`)));
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  for (const [name, value] of Object.entries(values))
    kept.push(`${name}="${value.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/"/g, '\\"')}"`);
  writeFileSync(path, `${kept.join('\n')}\n`, { mode: 0o600 });
  // It now holds a private key: only its owner may read it (also when it existed before).
  chmodSync(path, 0o600);
}

function withResolvers<T>() {
  let resolveFn!: (value: T) => void;
  let rejectFn!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolveFn = ok;
    rejectFn = fail;
  });
  return { promise, resolve: resolveFn, reject: rejectFn };
}

function respond(response: ServerResponse, status: number, html: string): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
