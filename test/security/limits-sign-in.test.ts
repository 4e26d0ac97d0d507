// Sign-in lock-outs (key-service/web/login-throttle.ts) beyond what test/web/forms.test.ts checks:
// the address lock answers 429 with the lock-out message and a Retry-After that counts down, it
// locks the address and not the account, and failures sent at once all count (on both databases).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { PASSWORD, WebClient, createWebHarness, type WebHarness } from '../web/web-client.js';

const LOCK_MS = 15 * 60_000;

describe.each(DIALECTS)('sign-in limits on %s', (dialect) => {
  let h: WebHarness;
  let now: number;

  beforeEach(async () => {
    now = Date.parse('2026-03-01T12:00:00Z');
    // Behind a proxy, so each test can speak from several addresses.
    h = await createWebHarness(dialect, { trustProxy: true, throttle: { perEmail: 4, perAddress: 6, lockMs: LOCK_MS } }, { now: () => new Date(now) });
  });
  afterEach(async () => {
    await h.close();
  });

  async function loginFrom(address: string) {
    const client = new WebClient(h);
    const headers = { 'x-forwarded-for': address };
    const csrf = WebClient.csrf((await client.get('/app/login', headers)).text);
    return (email: string, password: string) => client.post('/app/login', { csrf, email, password }, headers);
  }

  it('locks an address after its failures over several e-mails: 429, the lock-out message and a Retry-After that counts down', async () => {
    const { email } = await h.createAccount();
    const attacker = await loginFrom('203.0.113.7');
    for (let attempt = 0; attempt < 6; attempt++) expect((await attacker(`guess${attempt}@example.com`, 'guess')).status).toBe(401);

    const locked = await attacker(email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe(String(LOCK_MS / 1000));
    expect(locked.text).toContain('Too many failed sign-ins. Try again in 15 minutes.');

    now += 10 * 60_000;
    const later = await attacker(email, PASSWORD);
    expect(later.status).toBe(429);
    expect(later.headers.get('retry-after')).toBe(String(5 * 60));
    expect(later.text).toContain('Try again in 5 minutes.');

    // The account itself is not locked: its owner signs in from elsewhere.
    const owner = await loginFrom('198.51.100.20');
    expect((await owner(email, PASSWORD)).status).toBe(303);

    now += 5 * 60_000 + 1000;
    expect((await attacker(email, PASSWORD)).status).toBe(303);
  });

  it('locks an e-mail address from every address, with Retry-After', async () => {
    const { email } = await h.createAccount();
    for (let attempt = 0; attempt < 4; attempt++) {
      const from = await loginFrom(`192.0.2.${attempt + 1}`);
      expect((await from(email, 'wrong')).status).toBe(401);
    }
    const fresh = await loginFrom('192.0.2.200');
    const locked = await fresh(email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe(String(LOCK_MS / 1000));
    expect((await h.store.db.selectFrom('web_sessions').selectAll().execute()).length).toBe(0);
  });

  it('counts failures sent at the same moment: 4 at once lock the e-mail address', async () => {
    const { accountId, email } = await h.createAccount();
    const attempts = await Promise.all(Array.from({ length: 4 }, (_, index) => loginFrom(`198.51.100.${index + 1}`)));
    const answers = await Promise.all(attempts.map((attempt) => attempt(email, 'wrong')));
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    const after = await loginFrom('198.51.100.99');
    expect((await after(email, PASSWORD)).status).toBe(429);
    const failures = await h.store.db.selectFrom('audit_events').select('data').where('account_id', '=', accountId).where('type', '=', 'user.login_failed').execute();
    expect(failures).toHaveLength(5);
  });
});
