// `lfk serve` prints the one-time setup link only while nobody can sign in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLfk, startLfkServer, type ServerProcess } from '../support/cli.js';

const LINK = /\/app\/setup\?token=([\w-]{43})/;

async function linkPrinted(server: ServerProcess): Promise<string | undefined> {
  // The link is written right after "lfk listening"; a server that has a user never writes it.
  for (let waited = 0; waited < 1000; waited += 50) {
    const match = LINK.exec(server.output());
    if (match) return server.output();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

describe('the setup link of lfk serve', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lfk-setup-'));
    env = { LFK_DATABASE_URL: `sqlite:${join(dir, 'lfk.db')}`, LFK_LOG_LEVEL: 'warn' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('points at LFK_PUBLIC_URL when set, and opens the setup form once', async () => {
    const server = await startLfkServer({ ...env, LFK_PUBLIC_URL: 'https://keys.example.com/' });
    try {
      const output = await linkPrinted(server);
      expect(output).toMatch(/https:\/\/keys\.example\.com\/app\/setup\?token=[\w-]{43}\n/);
      const token = LINK.exec(output!)![1]!;
      const form = await fetch(`${server.url}/app/setup?token=${token}`);
      expect(form.status).toBe(200);
      expect(form.headers.get('set-cookie')).toMatch(/lfk_csrf=.*; Secure/);
      expect((await fetch(`${server.url}/app/setup?token=${token.slice(1)}x`)).status).toBe(404);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('is not printed once an account exists, and the old links stop working', async () => {
    const first = await startLfkServer(env);
    const oldToken = LINK.exec((await linkPrinted(first))!)![1]!;
    expect(await first.stop()).toBe(0);
    const created = await runLfk(
      ['accounts', 'create', '--name', 'Acme', '--email', 'owner@acme.test', '--plan', 'pro', '--password-stdin'],
      { env, input: 'a long owner password\n' },
    );
    expect(created.code, created.stderr).toBe(0);
    const server = await startLfkServer(env);
    try {
      expect(await linkPrinted(server)).toBeUndefined();
      expect(server.output()).not.toContain('/app/setup');
      expect((await fetch(`${server.url}/app/setup?token=${oldToken}`)).status).toBe(404);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
