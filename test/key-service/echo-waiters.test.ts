// A revoking instance answers once its own listener heard the notification (or after a bound).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EchoWaiters } from '../../key-service/service/echo-waiters.js';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  return done;
};

describe('revocation receipts', () => {
  afterEach(() => vi.useRealTimers());

  it('waits until every published hash is heard, whoever else hears what', async () => {
    const echoes = new EchoWaiters();
    const waiting = echoes.wait(['a', 'b', 'a'], 60_000);
    echoes.heard(['a', 'x']);
    expect(await settled(waiting)).toBe(false);
    echoes.heard(['b']);
    expect(await settled(waiting)).toBe(true);
  });

  it('gives up after the bound, and at once when the listener is lost', async () => {
    vi.useFakeTimers();
    const echoes = new EchoWaiters();
    const bounded = echoes.wait(['a'], 1000);
    vi.advanceTimersByTime(999);
    expect(await settled(bounded)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settled(bounded)).toBe(true);
    const lost = echoes.wait(['b', 'c'], 1000);
    echoes.heard(null);
    expect(await settled(lost)).toBe(true);
  });
});
