// Two accounts for the access tables: A, whose credentials every case uses, and B, whose ids A
// tries and whose data must never show up in A's answers.
import { expect } from 'vitest';
import type { CreatedKey } from '../../key-service/service/types.js';
import type { Harness } from '../support/harness.js';
import { databaseState, type Tenant } from '../support/http.js';

export const DAY_MS = 86_400_000;

/** A clock the tests move: the key service reads it for expiry (KeyServiceOptions.now). */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now = () => new Date(this.ms);
}

export interface AccessFixture {
  a: Tenant;
  b: Tenant;
  /** A's key with both scopes, revoked after it was used once. */
  revoked: CreatedKey;
  /** A's key with both scopes whose `expires_in_days` has passed on the clock. */
  expired: CreatedKey;
  /** A's key that refused requests would name (revoke, roll, get). */
  targetA: CreatedKey;
  /** B's keys and job: the ids A tries. */
  targetB: CreatedKey;
  jobB: string;
  jobA: string;
  /** Strings only B's data holds; no answer given to A may contain one. */
  secretsOfB: string[];
}

/** Makes the two accounts; `useOnce` sends one request with a key so that it is cached before it is revoked or expires. */
export async function makeAccessFixture(
  h: Harness,
  clock: TestClock,
  useOnce: (key: string) => Promise<void>,
): Promise<AccessFixture> {
  const a = await h.createTenant();
  const b = await h.createTenant();
  const { accountId: bAccount } = b;
  await h.service.updateAccount(
    bAccount,
    { notification_url: 'https://bravo-hidden.example/hook' },
    { actor: { type: 'system', id: 'test' } },
  );
  const targetA = await h.createKey(a.accountId, { name: 'Alpha target', scopes: ['enrichment'] });
  const targetB = await h.createKey(bAccount, { name: 'Bravo hidden target', scopes: ['enrichment', 'keys:manage'] });
  const revoked = await h.createKey(a.accountId, { name: 'Alpha revoked', scopes: ['enrichment', 'keys:manage'] });
  await useOnce(revoked.key);
  await h.service.revokeKey(a.accountId, revoked.id, 'access test', { actor: { type: 'system', id: 'test' } });
  const expired = await h.createKey(a.accountId, {
    name: 'Alpha expiring',
    scopes: ['enrichment', 'keys:manage'],
    expires_in_days: 1,
  });
  // Used (and so cached) while still live: expiry must hold for a key the cache already trusts.
  await useOnce(expired.key);
  clock.ms += 2 * DAY_MS;
  const jobB = (
    await h.service.createJob(
      (await h.service.authenticate(b.enrichment.key))!,
      'https://bravo-hidden.example/file.csv',
    )
  ).id;
  const jobA = (
    await h.service.createJob((await h.service.authenticate(a.enrichment.key))!, 'https://alpha.example/file.csv')
  ).id;
  const bKeys = [b.manager, b.enrichment, b.admin, targetB];
  const secretsOfB = [
    bAccount,
    jobB,
    'bravo-hidden',
    'Bravo hidden target',
    ...bKeys.flatMap((key) => [key.id, key.display, key.key, key.key.slice(7, 30)]),
  ];
  return { a, b, revoked, expired, targetA, targetB, jobB, jobA, secretsOfB };
}

/** No text holds any of B's ids, names or keys. */
export function expectNothingOf(secrets: string[], text: string, where: string): void {
  for (const secret of secrets)
    expect(text.includes(secret), `${where} reveals "${secret.slice(0, 12)}…" of account B`).toBe(false);
}

/** The rows a request could change, minus `last_used_*` (a refused request may still count as a use). */
export async function accessState(h: Pick<Harness, 'store'>) {
  const state = await databaseState(h);
  return { ...state, keys: state.keys.map(({ last_used_at: _at, last_used_ip: _ip, ...rest }) => rest) };
}
