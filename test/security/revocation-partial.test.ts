// A multi-key exposure report that fails half-way (the disk fills up): every key whose revocation
// committed is refused on its very next request, although it was cached; the answer says how many
// were revoked instead of "nothing was written"; the reporter's retry revokes the rest. On SQLite
// the disk is really full (PRAGMA max_page_count); on PostgreSQL a trigger answers disk_full
// (SQLSTATE 53100) once a set number of keys are revoked.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedKey } from '../../key-service/service/types.js';
import { DIALECTS } from '../support/databases.js';
import { createHarness, jsonRequest, type Harness } from '../support/harness.js';

const KEYS = 150;

describe.each(DIALECTS)('an exposure report that fails half-way on %s', (dialect) => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  const usage = (key: string) => h.app.request('/v1/usage', { headers: { authorization: `Bearer ${key}` } });
  const report = (keys: string[]) =>
    h.app.request('/v1/exposures', jsonRequest('POST', { keys, source: { kind: 'scanner', location: 'ci.log' } }));
  const revokedIds = async () =>
    (await h.store.db.selectFrom('api_keys').select('id').where('revoked_at', 'is not', null).execute()).map(
      (row) => row.id,
    );

  /** Makes the database refuse writes part-way through the report; returns how to undo it. */
  async function fillUpMidway(): Promise<() => Promise<void>> {
    if (dialect === 'sqlite') {
      const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(h.store.db);
      const { rows: free } = await sql<{ freelist_count: number }>`PRAGMA freelist_count`.execute(h.store.db);
      // Room for some of the 150 revocations (their audit events and notices), not for all.
      await sql.raw(`PRAGMA max_page_count = ${rows[0]!.page_count + 8 - free[0]!.freelist_count}`).execute(h.store.db);
      return async () => void (await sql.raw('PRAGMA max_page_count = 1073741823').execute(h.store.db));
    }
    await sql
      .raw(
        `create function lfk_test_disk_full() returns trigger language plpgsql as $$ begin
           if (select count(*) from audit_events where type = 'key.revoked') >= 40 then raise exception 'could not extend file' using errcode = '53100'; end if;
           return new; end $$;
         create trigger lfk_test_disk_full before insert on audit_events for each row execute function lfk_test_disk_full();`,
      )
      .execute(h.store.db);
    return async () =>
      void (await sql
        .raw('drop trigger lfk_test_disk_full on audit_events; drop function lfk_test_disk_full();')
        .execute(h.store.db));
  }

  it('refuses every key whose revocation committed at once, says how many, and the retry revokes the rest', async () => {
    // 150 keys refused in a row from one address would otherwise meet the failed-authentication limit.
    h = await createHarness(dialect, { api: { authFailureLimit: 1e6 } });
    const { accountId } = await h.createAccount('pro');
    const keys: CreatedKey[] = [];
    for (let index = 0; index < KEYS; index++)
      keys.push(await h.createKey(accountId, { name: `Key ${index}`, scopes: ['enrichment'] }));
    // Every key is cached on this instance (60 s on SQLite, 1 s on PostgreSQL).
    for (const key of keys) expect((await usage(key.key)).status).toBe(200);
    await h.service.flushUsage();

    const freeSpace = await fillUpMidway();
    const failed = await report(keys.map((key) => key.key));
    const body = (await failed.json()) as { error: { code: string; message: string } };
    const revoked = new Set(await revokedIds());
    expect(revoked.size).toBeGreaterThan(0);
    expect(revoked.size).toBeLessThan(KEYS);
    expect(failed.status).toBe(503);
    expect(body.error.code).toBe('service_unavailable');
    expect(body.error.message).not.toMatch(/nothing was (saved|written)/i);
    expect(body.error.message).toContain(`${revoked.size} of the reported keys were revoked`);
    expect(failed.headers.get('retry-after')).not.toBeNull();

    // No revoked key answers 200 from the cache; every other key still works.
    for (const key of keys)
      expect([key.id, (await usage(key.key)).status]).toEqual([key.id, revoked.has(key.id) ? 401 : 200]);

    await freeSpace();
    const retried = await report(keys.map((key) => key.key));
    expect(retried.status).toBe(200);
    const { results } = (await retried.json()) as { results: Array<{ status: string }> };
    expect(results.filter((result) => result.status === 'already_revoked')).toHaveLength(revoked.size);
    expect(results.filter((result) => result.status === 'revoked')).toHaveLength(KEYS - revoked.size);
    for (const key of keys) expect((await usage(key.key)).status).toBe(401);
  });

  it('a key found already revoked leaves the cache too (a cache an earlier failure left behind)', async () => {
    h = await createHarness(dialect, { service: { cacheTtlMs: 60_000 } });
    const { accountId } = await h.createAccount('pro');
    const key = await h.createKey(accountId, { scopes: ['enrichment'] });
    expect((await usage(key.key)).status).toBe(200);
    // Revoked behind this instance's back (another process whose signal never arrived).
    await h.store.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date().toISOString(), revoked_reason: 'exposed:report' })
      .where('id', '=', key.id)
      .execute();
    expect((await usage(key.key)).status).toBe(200);
    const again = await report([key.key]);
    expect(((await again.json()) as { results: Array<{ status: string }> }).results[0]!.status).toBe('already_revoked');
    expect((await usage(key.key)).status).toBe(401);
  });
});
