// A revoked or never-issued key, presented again and again (a leaked key that bots keep trying),
// is refused from memory after its first lookup; an expired one is not remembered, and guesses
// cannot grow memory past the bound.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyCache } from '../../key-service/service/key-cache.js';
import { DIALECTS } from '../support/databases.js';
import { createHarness, type Harness } from '../support/harness.js';
import { expireKey, unknownKey } from '../support/http.js';

describe.each(DIALECTS)('refused keys on %s', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(dialect);
  });
  afterEach(async () => {
    await h.close();
  });

  const lookups = () => h.service.cacheStats().misses;

  it('looks a revoked or unknown key up once, then refuses it from memory', async () => {
    const { accountId, key: revoked } = await h.createAccountWithKey();
    await h.service.revokeKey(accountId, revoked.id, undefined, { actor: { type: 'system' } });
    const stranger = unknownKey();
    for (const token of [revoked.key, stranger]) {
      const before = lookups();
      expect(await h.service.authenticate(token)).toBeNull();
      expect(lookups()).toBe(before + 1);
      for (let again = 0; again < 3; again++) expect(await h.service.authenticate(token)).toBeNull();
      expect(lookups()).toBe(before + 1);
      const answer = await h.app.request('/v1/usage', { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(401);
      expect(lookups()).toBe(before + 1);
    }
  });

  it('does not remember an expired key, whose expiry may still move', async () => {
    const { key } = await h.createAccountWithKey();
    await expireKey(h, key);
    const before = lookups();
    expect(await h.service.authenticate(key.key)).toBeNull();
    expect(await h.service.authenticate(key.key)).toBeNull();
    expect(lookups()).toBe(before + 2);
  });

  it('forgets refusals with the rest of the cache', async () => {
    const stranger = unknownKey();
    await h.service.authenticate(stranger);
    h.service.forgetCachedKeys();
    const before = lookups();
    await h.service.authenticate(stranger);
    expect(lookups()).toBe(before + 1);
  });
});

describe('the refusal memory', () => {
  it('holds at most its bound, forgetting the oldest first, and only for the TTL', () => {
    const cache = new KeyCache(1000, 100, 3);
    for (const sha of ['a', 'b', 'c', 'd']) cache.refuse(sha, 0);
    expect(cache.get('a', 10)).toBeUndefined();
    expect(['b', 'c', 'd'].map((sha) => cache.get(sha, 10))).toEqual([null, null, null]);
    expect(cache.get('b', 1000)).toBeUndefined();
  });
});
