// The API Keys page when the database refuses writes (read-only, as a disk remounted read-only or
// full): the page says to try again with 503 and Retry-After, saves nothing, and works again after.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient, createWebHarness, type WebHarness } from '../web/web-client.js';

describe('the web page with a database that refuses writes', () => {
  let h: WebHarness;
  let client: WebClient;
  let csrf: string;
  let accountId: string;
  const setReadOnly = (on: boolean) => sql.raw(`PRAGMA query_only = ${on ? 1 : 0}`).execute(h.store.db);
  const keyNames = async () =>
    (await h.store.db.selectFrom('api_keys').select('name').where('account_id', '=', accountId).execute()).map(
      (row) => row.name,
    );

  beforeAll(async () => {
    h = await createWebHarness('sqlite');
    const account = await h.createAccount('pro');
    accountId = account.accountId;
    client = new WebClient(h);
    csrf = await client.signIn(account.email);
  });
  afterAll(async () => {
    await setReadOnly(false);
    await h.close();
  });

  it('answers 503 with Retry-After and a clear page, not 500, and saves nothing', async () => {
    await setReadOnly(true);
    try {
      const refused = await client.post('/app/api-keys', { name: 'During the fault', csrf });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.text).toContain('nothing was saved');
      expect(refused.text).not.toContain('Something went wrong');
      expect(h.logs.some((line) => line.includes('"level":"error"'))).toBe(false);
    } finally {
      await setReadOnly(false);
    }
    expect(await keyNames()).toEqual([]);
    const created = await client.post('/app/api-keys', { name: 'After the fault', csrf });
    expect(created.status).toBe(200); // the page that shows the new key once
    expect(await keyNames()).toEqual(['After the fault']);
  });
});
