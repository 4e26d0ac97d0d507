import { describe, expect, it } from 'vitest';
import { createHttpKeyServiceClient, KeyServiceError } from '../../key-service/http-client.js';

type Call = { url: string; body: { keys: string[] } };

function fakeFetch(answer: (call: Call, index: number) => Response) {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const call = { url, body: JSON.parse(String(init.body)) };
    calls.push(call);
    return answer(call, calls.length - 1);
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

const ok = (call: Call) =>
  Response.json({ results: call.body.keys.map((key) => ({ display: null, sha256: key, status: 'unknown' })) });

describe('key service HTTP client', () => {
  it('sends at most 1000 keys a request and keeps the order', async () => {
    const { calls, fetch } = fakeFetch(ok);
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    const results = await createHttpKeyServiceClient('http://svc/', { fetch }).verifyKeys(keys);
    expect(calls.map((c) => [c.url, c.body.keys.length])).toEqual([
      ['http://svc/v1/keys/verify', 1000],
      ['http://svc/v1/keys/verify', 1000],
      ['http://svc/v1/keys/verify', 500],
    ]);
    expect(results.map((r) => r.sha256)).toEqual(keys);
  });

  it('retries after 429 using Retry-After, then gives up with an error', async () => {
    const waits: number[] = [];
    const { calls, fetch } = fakeFetch(() => new Response('{}', { status: 429, headers: { 'retry-after': '2' } }));
    const client = createHttpKeyServiceClient('http://svc', {
      fetch,
      maxRetries: 2,
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(client.reportExposures(['k'], { kind: 'scanner' })).rejects.toThrow(KeyServiceError);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([2000, 2000]);
  });

  it('an error answer or a malformed body is a KeyServiceError with the message', async () => {
    const failing = fakeFetch(() =>
      Response.json({ error: { code: 'boom', message: 'database down' } }, { status: 503 }),
    );
    await expect(createHttpKeyServiceClient('http://svc', { fetch: failing.fetch }).verifyKeys(['k'])).rejects.toThrow(
      'the key service answered 503 to POST /v1/keys/verify: database down',
    );
    const short = fakeFetch(() => Response.json({ results: [] }));
    await expect(createHttpKeyServiceClient('http://svc', { fetch: short.fetch }).verifyKeys(['k'])).rejects.toThrow(
      'unexpected answer',
    );
  });

  it('sends nothing for no keys', async () => {
    const { calls, fetch } = fakeFetch(ok);
    expect(await createHttpKeyServiceClient('http://svc', { fetch }).verifyKeys([])).toEqual([]);
    expect(calls).toEqual([]);
  });
});
