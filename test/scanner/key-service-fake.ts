// A fake key service on 127.0.0.1 for --verify and --revoke: answers from a table of key
// statuses and records every request it gets.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { displayOf, hasKeyShape, sha256Hex } from '../../platform/key-format.js';

export interface FakeRequest {
  path: string;
  body: { keys: string[]; source?: Record<string, unknown> };
}

export interface FakeKeyService {
  url: string;
  requests: FakeRequest[];
  /** Answers 429 with Retry-After: 0 to the next `count` requests. */
  rateLimitNext(count: number): void;
  close(): Promise<void>;
}

export async function startFakeKeyService(statuses: Record<string, string>): Promise<FakeKeyService> {
  const requests: FakeRequest[] = [];
  let limited = 0;
  const server: Server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const body = JSON.parse(text) as FakeRequest['body'];
      requests.push({ path: request.url ?? '', body });
      if (limited > 0) {
        limited--;
        response.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down', request_id: 'r' } }));
        return;
      }
      const revoking = request.url === '/v1/exposures';
      const results = body.keys.map((key) => {
        let status = hasKeyShape(key) ? (statuses[key] ?? 'unknown') : 'invalid';
        if (revoking)
          status =
            status === 'active'
              ? 'revoked'
              : status === 'revoked'
                ? 'already_revoked'
                : status === 'expired'
                  ? 'revoked'
                  : status;
        return { display: hasKeyShape(key) ? displayOf(key) : null, sha256: sha256Hex(key), status };
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rateLimitNext: (count) => {
      limited = count;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
