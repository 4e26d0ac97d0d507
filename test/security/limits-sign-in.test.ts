// Sign-in limits (key-service/service/sign-in-throttle.ts) beyond what test/web/forms.test.ts checks: the
// address lock answers 429 with the lock-out message and a Retry-After that counts down; it locks
// the address, never the account: an e-mail address guessed from everywhere only takes turns, and
// its owner still signs in; attempts sent at once are counted before any password is checked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { PASSWORD, WebClient, createWebHarness, type WebHarness } from '../web/web-client.js';

const LOCK_MS = 15 * 60_000;
/** Kept short: the turns are real waits (the clock the throttle reads stands still in these tests). */
const SPACING_MS = 40;

describe.each(DIALECTS)('sign-in limits on %s', (dialect) => {
  let h: WebHarness;
  let now: number;

  beforeEach(async () => {
    now = Date.parse('2026-03-01T12:00:00Z');
    // Behind a proxy, so each test can speak from several addresses.
    h = await createWebHarness(
      dialect,
      {
        trustProxy: true,
        throttle: {
          perPair: 4,
          perAddress: 6,
          perEmail: 4,
          emailSpacingMs: SPACING_MS,
          maxEmailWaitMs: 5 * SPACING_MS,
          lockMs: LOCK_MS,
        },
      },
      { now: () => new Date(now) },
    );
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
    for (let attempt = 0; attempt < 6; attempt++)
      expect((await attacker(`guess${attempt}@example.com`, 'guess')).status).toBe(401);

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

  it('counts the address lock per IPv6 /64: failures from several addresses of one /64 lock all of it, not the next /64', async () => {
    const { email } = await h.createAccount();
    // perAddress is 6: six wrong guesses at six e-mails, each from another address of 2001:db8:7:1::/64.
    for (let attempt = 0; attempt < 6; attempt++) {
      const from = await loginFrom(`2001:db8:7:1:${(attempt + 1).toString(16)}::${attempt + 1}`);
      expect((await from(`guess${attempt}@example.com`, 'guess')).status).toBe(401);
    }
    // Yet another address of that /64, written in full, is locked out even with the right password.
    const locked = await (await loginFrom('2001:0db8:0007:0001:ffff:ffff:ffff:fffe'))(email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many failed sign-ins. Try again in 15 minutes.');
    // The neighbouring /64 is someone else: its owner signs in.
    expect((await (await loginFrom('2001:db8:7:2::1'))(email, PASSWORD)).status).toBe(303);
  });

  it('counts an IPv4 client written as IPv4-mapped IPv6 under its IPv4 address', async () => {
    const { email } = await h.createAccount();
    for (let attempt = 0; attempt < 6; attempt++) {
      const from = await loginFrom(attempt % 2 === 0 ? '203.0.113.30' : '::ffff:203.0.113.30');
      expect((await from(`guess${attempt}@example.com`, 'guess')).status).toBe(401);
    }
    expect((await (await loginFrom('203.0.113.30'))(email, PASSWORD)).status).toBe(429);
    expect((await (await loginFrom('::ffff:cb00:711e'))(email, PASSWORD)).status).toBe(429);
    // IPv4 counts whole addresses: the next one is not locked.
    expect((await (await loginFrom('203.0.113.31'))(email, PASSWORD)).status).toBe(303);
  });

  /** The account's failed sign-ins by reason, from its audit log. */
  async function failureReasons(accountId: string): Promise<Record<string, number>> {
    const rows = await h.store.db
      .selectFrom('audit_events')
      .select('data')
      .where('account_id', '=', accountId)
      .where('type', '=', 'user.login_failed')
      .execute();
    const counts: Record<string, number> = {};
    for (const row of rows) {
      const reason = (JSON.parse(row.data) as { reason: string }).reason;
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
    return counts;
  }

  it('never locks an e-mail address guessed from many addresses: its checks take turns, and its owner signs in', async () => {
    const { accountId, email } = await h.createAccount();
    for (let attempt = 0; attempt < 8; attempt++) {
      const from = await loginFrom(`192.0.2.${attempt + 1}`);
      expect((await from(email, 'wrong')).status).toBe(401);
    }
    now += 1000;
    // A burst from 20 more addresses at once: 6 turns fit in the longest wait, the rest are asked to retry.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, index) => loginFrom(`198.51.100.${index + 1}`)));
    const answers = await Promise.all(burst.map((attempt) => attempt(email, 'wrong')));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(6);
    const retry = answers.filter((answer) => answer.status === 429);
    expect(retry).toHaveLength(14);
    expect(retry[0]!.text).toContain('Try again in a few seconds.');
    expect(await failureReasons(accountId)).toEqual({ wrong_password: 14, busy: 14 });

    // Once the burst has passed, the owner's right password from a new address is checked and works.
    now += 1000;
    const owner = await loginFrom('203.0.113.50');
    expect((await owner(email, PASSWORD)).status).toBe(303);
    expect((await h.store.db.selectFrom('web_sessions').selectAll().execute()).length).toBe(1);
  });

  it('checks no more passwords than the limit for a burst from one address: 100 guesses at once, 4 checked', async () => {
    const { accountId, email } = await h.createAccount();
    const attempt = await loginFrom('203.0.113.8');
    const answers = await Promise.all(Array.from({ length: 100 }, () => attempt(email, 'wrong')));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(4);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(96);
    expect((await failureReasons(accountId)).wrong_password).toBe(4);
    // That pair is now locked; the owner elsewhere is not.
    expect((await attempt(email, PASSWORD)).status).toBe(429);
    expect((await (await loginFrom('198.51.100.77'))(email, PASSWORD)).status).toBe(303);
  });

  it('61 attempts at once from one address, the right password 41st: no sign-in gets through the limit', async () => {
    const { accountId, email } = await h.createAccount();
    const attempt = await loginFrom('203.0.113.9');
    const answers = await Promise.all(
      Array.from({ length: 61 }, (_, index) => attempt(email, index === 40 ? PASSWORD : 'wrong')),
    );
    const checked = answers.filter((answer) => answer.status === 401 || answer.status === 303).length;
    expect(checked).toBeLessThanOrEqual(4);
    expect(answers[40]!.status).toBe(429);
    expect((await failureReasons(accountId)).wrong_password).toBe(checked);
    expect((await h.store.db.selectFrom('web_sessions').selectAll().execute()).length).toBe(0);
  });
});
