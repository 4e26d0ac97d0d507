// The API Keys page in a real browser against a real `lfk serve` (SQLite): setup link, sign-in,
// a key shown once, revoke, roll, the audit log, plans, other accounts, CSRF, throttling, headers.
// The tests run in order and share one server and one browser profile. Code that runs in the
// page is passed as text: the project's type-check has no DOM library.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLfk, startLfkServer, type ServerProcess } from '../support/cli.js';
import { HAVE_CHROMIUM, launchChromium, type Chromium } from './chromium.js';

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const OWNER = 'owner@acme.test';
const PASSWORD = 'a long owner password';
const KEY_SHAPE = /^lfk_sk_[0-9A-Za-z]{40}$/;

const displayOf = (key: string) => `${key.slice(0, 11)}…${key.slice(-4)}`;

describe.skipIf(!HAVE_CHROMIUM)('the API Keys page in Chromium', { timeout: 90_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  let chromium: Chromium;
  let page: Page;
  let setupLink: string;
  const cspViolations: string[] = [];
  /** Keys as the page showed them, by name. */
  const keys: Record<string, { key: string; id: string }> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-web-'));
    env = { LFK_DATABASE_URL: `sqlite:${join(dir, 'lfk.db')}`, LFK_LOG_LEVEL: 'warn' };
    server = await startLfkServer(env);
    setupLink = await eventually(() => /(http:\/\/\S+\/app\/setup\?token=[\w-]+)/.exec(server.output())?.[1]);
    chromium = await launchChromium();
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await chromium?.close();
    if (server) expect(await server.stop()).toBe(0);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const url = (path: string) => `${server.url}${path}`;
  const usage = (key: string) => fetch(url('/v1/usage'), { headers: { authorization: `Bearer ${key}` } });

  async function signIn(email: string, password: string): Promise<Response | null> {
    await page.goto(url('/app/login'));
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(password);
    const answer = page.waitForResponse(
      (response) => response.url().endsWith('/app/login') && response.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    const response = await answer;
    await page.waitForLoadState();
    return response;
  }

  async function createAccount(name: string, email: string, plan: 'free' | 'pro'): Promise<string> {
    const created = await runLfk(
      ['accounts', 'create', '--name', name, '--email', email, '--plan', plan, '--password-stdin', '--json'],
      { env, input: `${PASSWORD}\n` },
    );
    expect(created.code, created.stderr).toBe(0);
    return (JSON.parse(created.stdout) as { account: { id: string } }).account.id;
  }

  /** Creates a key through the dialog; returns it as the dialog showed it (the dialog stays open). */
  async function createKey(name: string): Promise<string> {
    await page.getByRole('link', { name: 'Create New Key' }).click();
    await page.locator('#create-dialog').waitFor({ state: 'visible' });
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#key-dialog').waitFor({ state: 'visible' });
    const key = (await page.locator('#new-key').textContent())!.trim();
    expect(key).toMatch(KEY_SHAPE);
    const id = await page.locator('tr', { hasText: displayOf(key) }).getAttribute('data-key-id');
    keys[name] = { key, id: id! };
    return key;
  }

  async function expectKeyGone(key: string): Promise<void> {
    expect(await page.content()).not.toContain(key);
    expect(await page.evaluate<string>('JSON.stringify(history.state)')).not.toContain('lfk_sk_');
  }

  it('sets up the first account through the link lfk serve printed, and signs the owner in', async () => {
    const setup = await page.goto(setupLink);
    expect(setup?.status()).toBe(200);
    await page.getByLabel('Account name').fill('Acme Corp');
    await page.getByLabel('Plan').selectOption('pro');
    await page.getByLabel("Owner's e-mail address").fill(OWNER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(url('/app/api-keys'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('API Keys');
    expect(await page.locator('main').textContent()).toContain('No keys yet.');
    expect(await page.locator('header').textContent()).toContain(OWNER);

    const again = await fetch(setupLink);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('already has an account');
  });

  it('creates a key, shows it once with Copy, and leaves only the display form once the dialog closes', async () => {
    await chromium.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByRole('link', { name: 'Create New Key' }).click();
    const dialog = page.locator('#create-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.evaluate((element) => element.matches(':modal'))).toBe(true);
    expect(page.url()).toBe(url('/app/api-keys'));
    const hint = await dialog.locator('#key-name-hint').textContent();
    for (const example of ['Production CRM sync', 'Staging environment', 'Zapier integration'])
      expect(hint).toContain(example);
    await page.getByLabel('Name', { exact: true }).fill('Production CRM sync');
    await page.screenshot({ path: join(SCREENSHOTS, 'create-dialog.png') });
    await page.getByRole('button', { name: 'Create key' }).click();

    const shown = page.locator('#key-dialog');
    await shown.waitFor({ state: 'visible' });
    expect(await shown.evaluate((element) => element.matches(':modal'))).toBe(true);
    const key = (await page.locator('#new-key').textContent())!.trim();
    expect(key).toMatch(KEY_SHAPE);
    expect(await shown.textContent()).toContain('It will not be shown again.');
    // The answer to the POST now stands in history as the plain list.
    expect(page.url()).toBe(url('/app/api-keys'));
    keys['Production CRM sync'] = {
      key,
      id: (await page.locator('tr', { hasText: displayOf(key) }).getAttribute('data-key-id'))!,
    };

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.locator('#new-key-copy-status', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(key);

    await page.getByRole('link', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await expectKeyGone(key);
    expect(await page.locator('tr', { hasText: 'Production CRM sync' }).locator('code').textContent()).toBe(
      displayOf(key),
    );
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('create-key');

    // Reload, back and forward show the plain list again: no resubmission, no second key, no key.
    for (const move of [() => page.reload(), () => page.goBack(), () => page.goForward()]) {
      await move();
      await expectKeyGone(key);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('API Keys');
      expect(await page.locator('tr[data-key-id]').count()).toBe(1);
      expect(await page.locator('dialog[open]').count()).toBe(0);
    }
  });

  it('lets the new key call /v1/usage', async () => {
    const response = await usage(keys['Production CRM sync']!.key);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { key: { name: string } }).key.name).toBe('Production CRM sync');
  });

  it('revokes the key after a confirmation; the very next call is refused and the key stays listed as revoked', async () => {
    await page.goto(url('/app/api-keys'));
    await page.getByRole('link', { name: 'Revoke Production CRM sync' }).click();
    const confirm = page.locator('#revoke-dialog');
    await confirm.waitFor({ state: 'visible' });
    expect(await confirm.evaluate((element) => element.matches(':modal'))).toBe(true);
    expect(await confirm.textContent()).toContain('cannot be turned back on');
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('is revoked').waitFor();

    const row = page.locator('tr', { hasText: 'Production CRM sync' });
    expect(await row.locator('.badge').textContent()).toBe('Revoked');
    expect(await row.getByRole('link').count()).toBe(0);
    const after = await usage(keys['Production CRM sync']!.key);
    expect(after.status).toBe(401);
  });

  it('works by keyboard: opens the dialog with Enter, submits with Enter, closes the shown key with Escape', async () => {
    await page.goto(url('/app/api-keys'));
    await page.focus('#create-key');
    await page.keyboard.press('Enter');
    await page.locator('#create-dialog').waitFor({ state: 'visible' });
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('key-name');
    await page.keyboard.type('Staging environment');
    await page.keyboard.press('Enter');
    await page.locator('#key-dialog').waitFor({ state: 'visible' });
    const key = (await page.locator('#new-key').textContent())!.trim();
    keys['Staging environment'] = {
      key,
      id: (await page.locator('tr', { hasText: displayOf(key) }).getAttribute('data-key-id'))!,
    };
    await page.keyboard.press('Escape');
    await page.locator('#key-dialog').waitFor({ state: 'detached' });
    await expectKeyGone(key);
  });

  it('rolls a key with a grace period: a new key shown once, the old one working until the grace ends', async () => {
    const old = keys['Staging environment']!;
    await page.getByRole('link', { name: 'Roll Staging environment' }).click();
    await page.locator('#roll-dialog').waitFor({ state: 'visible' });
    await page.getByLabel('Keep the old key working for').selectOption('24');
    await page.getByRole('button', { name: 'Roll key' }).click();
    const shown = page.locator('#key-dialog');
    await shown.waitFor({ state: 'visible' });
    const fresh = (await page.locator('#new-key').textContent())!.trim();
    expect(fresh).toMatch(KEY_SHAPE);
    expect(fresh).not.toBe(old.key);
    expect(await shown.textContent()).toContain('keeps working until');
    await page.getByRole('link', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await expectKeyGone(fresh);

    const oldRow = page.locator(`tr[data-key-id="${old.id}"]`);
    expect(await oldRow.locator('td[data-label="Expires"] time').count()).toBe(1);
    expect((await usage(old.key)).status).toBe(200);
    expect((await usage(fresh)).status).toBe(200);
  });

  it("shows the account's events newest first in the audit log, with what leaked where", async () => {
    // A leak report for the revoked key: the audit log must say where it was found.
    const report = await fetch(url('/v1/exposures'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        keys: [keys['Production CRM sync']!.key],
        source: { kind: 'github', url: 'https://github.com/acme/app/blob/main/.env', location: '.env:3' },
      }),
    });
    expect(report.status).toBe(200);

    await page.goto(url('/app/audit-log'));
    const types = await page
      .locator('tr[data-event-type]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type')));
    expect(types[0]).toBe('key.exposed');
    expect(types[1]).toBe('key.rolled');
    expect(types.indexOf('key.revoked')).toBeLessThan(types.lastIndexOf('key.created'));
    expect(types).toContain('user.login');
    expect(types.at(-1)).toBe('user.login');
    const exposed = page.locator('tr[data-event-type="key.exposed"]');
    expect(await exposed.textContent()).toContain('.env:3');
    expect(await exposed.textContent()).toContain('it was already revoked');
    expect(await exposed.getByRole('link').getAttribute('href')).toBe('https://github.com/acme/app/blob/main/.env');
    const revokedByOwner = page.locator('tr[data-event-type="key.revoked"]', { hasText: 'Production CRM sync' });
    expect(await revokedByOwner.textContent()).toContain('Reason: user');
  });

  it('lists the keys for the README screenshot, and stays readable at phone width', async () => {
    await page.goto(url('/app/api-keys'));
    await createKey('Zapier integration');
    await page.getByRole('link', { name: 'Done' }).click();
    await page.locator('#key-dialog').waitFor({ state: 'detached' });
    await page.screenshot({ path: join(SCREENSHOTS, 'api-keys.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await page.getByRole('link', { name: 'Create New Key' }).isVisible()).toBe(true);
    await page.setViewportSize({ width: 1200, height: 760 });
  });

  it('sends every page with the security headers and the session in an HttpOnly SameSite=Lax cookie', async () => {
    for (const path of ['/app/api-keys', '/app/audit-log', '/app/settings']) {
      const response = await page.goto(url(path));
      const headers = response!.headers();
      expect(headers['content-security-policy'], path).toMatch(/default-src 'self'/);
      expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(headers['cache-control']).toBe('no-store');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('same-origin');
    }
    const session = (await chromium.context.cookies(server.url)).find((cookie) => cookie.name === 'lfk_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    expect(cspViolations).toEqual([]);
  });

  it('saves the settings and shows the notification secret once', async () => {
    await page.goto(url('/app/settings'));
    await page.getByLabel('Rotation period (days)').fill('60');
    await page.getByLabel('Notification URL').fill('https://hooks.acme.test/lfk');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const shown = page.locator('#secret-dialog');
    await shown.waitFor({ state: 'visible' });
    const secret = (await page.locator('#notification-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    expect(page.url()).toBe(url('/app/settings'));
    await page.getByRole('link', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByLabel('Rotation period (days)').inputValue()).toBe('60');
    expect(await page.getByLabel('Notification URL').inputValue()).toBe('https://hooks.acme.test/lfk');
  });

  it('tells a free account that keys come with Pro and Agency, with no way to create one', async () => {
    await createAccount('Free Co', 'free@acme.test', 'free');
    await chromium.context.clearCookies();
    await signIn('free@acme.test', PASSWORD);
    await page.waitForURL(url('/app/api-keys'));
    expect(await page.locator('main').textContent()).toContain('API keys come with the Pro and Agency plans.');
    expect(await page.getByRole('link', { name: 'Create New Key' }).count()).toBe(0);
    expect(await page.locator('#create-dialog').count()).toBe(0);
  });

  it("keeps another account's keys out of sight and out of reach", async () => {
    await createAccount('Other Co', 'other@acme.test', 'pro');
    await chromium.context.clearCookies();
    await signIn('other@acme.test', PASSWORD);
    await page.waitForURL(url('/app/api-keys'));
    expect(await page.locator('tr[data-key-id]').count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('No keys yet.');
    const html = await page.content();
    for (const { key, id } of Object.values(keys)) {
      expect(html).not.toContain(id);
      expect(html).not.toContain(displayOf(key));
    }

    await page.getByLabel('Search by name or prefix').fill(keys['Zapier integration']!.key.slice(0, 11));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No keys match this search.').waitFor();

    const target = keys['Zapier integration']!;
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const revoke = await page.request.post(url(`/app/api-keys/${target.id}/revoke`), {
      form: { csrf },
      maxRedirects: 0,
    });
    expect(revoke.status()).toBe(404);
    const roll = await page.request.post(url(`/app/api-keys/${target.id}/roll`), {
      form: { csrf, grace_period_hours: '0' },
      maxRedirects: 0,
    });
    expect(roll.status()).toBe(404);
    expect((await page.goto(url(`/app/api-keys?dialog=revoke&key=${target.id}`)))!.status()).toBe(404);
    expect((await usage(target.key)).status).toBe(200);
  });

  it('refuses a form posted without its CSRF token, changing nothing', async () => {
    const missing = await page.request.post(url('/app/api-keys'), { form: { name: 'Forged key' }, maxRedirects: 0 });
    expect(missing.status()).toBe(403);
    const wrong = await page.request.post(url('/app/api-keys'), {
      form: { name: 'Forged key', csrf: 'A'.repeat(43) },
      maxRedirects: 0,
    });
    expect(wrong.status()).toBe(403);
    await page.goto(url('/app/api-keys'));
    expect(await page.locator('main').textContent()).not.toContain('Forged key');
    expect(await page.locator('main').textContent()).toContain('No keys yet.');
  });

  it('audits failed sign-ins and locks the address after five, even against the right password', async () => {
    const accountId = await createAccount('Locked Co', 'locked@acme.test', 'pro');
    const manager = await runLfk(
      ['keys', 'create', '--account', accountId, '--name', 'Audit reader', '--scope', 'keys:manage', '--json'],
      { env },
    );
    const managerKey = (JSON.parse(manager.stdout) as { key: string }).key;
    await chromium.context.clearCookies();
    for (let attempt = 0; attempt < 5; attempt++) {
      const wrong = await signIn('locked@acme.test', 'not the password');
      expect(wrong?.status()).toBe(401);
      expect(await page.getByRole('alert').textContent()).toContain('The e-mail address or the password is not right.');
    }
    const locked = await signIn('locked@acme.test', PASSWORD);
    expect(locked?.status()).toBe(429);
    expect(await page.getByRole('alert').textContent()).toContain('Too many failed sign-ins');
    expect(page.url()).toBe(url('/app/login'));
    expect((await chromium.context.cookies(server.url)).some((cookie) => cookie.name === 'lfk_session')).toBe(false);

    const log = await fetch(url('/v1/audit-log'), { headers: { authorization: `Bearer ${managerKey}` } });
    const events = ((await log.json()) as { data: Array<{ type: string; data: { reason?: string } }> }).data.filter(
      (event) => event.type.startsWith('user.'),
    );
    expect(events.map((event) => `${event.type}:${event.data.reason}`)).toEqual([
      'user.login_failed:locked',
      ...Array(5).fill('user.login_failed:wrong_password'),
    ]);
  });
});

async function eventually<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
