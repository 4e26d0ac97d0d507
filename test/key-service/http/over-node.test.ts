// The API served by @hono/node-server, as `lfk serve` serves it: the answers' headers are set on
// Node's outgoing message and headers are read from Node's parsed ones (key-service/http/pipeline.ts,
// request-headers.ts), a path in-process requests never take.
import { serve, type ServerType } from '@hono/node-server';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../support/databases.js';
import { createHarness, type Harness } from '../../support/harness.js';

/** One request with raw header lines (a header may repeat), over a real socket. */
function send(
  port: number,
  method: string,
  path: string,
  rawHeaders: string[],
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  return new Promise((resolve, reject) => {
    // Raw header lines replace Node's defaults: Host must be among them.
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: ['Host', `127.0.0.1:${port}`, ...rawHeaders] },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}

describe.each(DIALECTS)('the API over a real socket on %s', (dialect) => {
  let h: Harness;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    h = await createHarness(dialect);
    server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  it('stamps every answer, echoes a usable request id, and times each route', async () => {
    const tenant = await h.createTenant();
    const answers = [
      await send(port, 'GET', '/v1/usage', ['Authorization', `Bearer ${tenant.enrichment.key}`]),
      await send(port, 'GET', '/v1/usage', ['X-API-Key', tenant.enrichment.key, 'X-Request-Id', 'trace-123']),
      await send(port, 'GET', '/v1/usage', []),
      await send(
        port,
        'POST',
        '/v1/jobs',
        ['Authorization', `Bearer ${tenant.enrichment.key}`, 'Content-Type', 'application/json'],
        '{"file_url":"https://files.example.com/a.csv"}',
      ),
      await send(port, 'GET', '/v1/nothing', []),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 401, 202, 404]);
    for (const answer of answers) {
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-request-id']).toMatch(/^[\w-]{8,64}$/);
    }
    expect(answers[1]!.headers['x-request-id']).toBe('trace-123');
    // An error's body names the request id its header carries.
    expect(answers[2]!.body.error.request_id).toBe(answers[2]!.headers['x-request-id']);
    expect(new Set(answers.map((answer) => answer.headers['x-request-id'])).size).toBe(answers.length);
    expect(answers[1]!.body.key).toMatchObject({ id: tenant.enrichment.id, requests: 2 });
    const metrics = await (
      await h.app.request('/metrics', {}, { incoming: { socket: { remoteAddress: '127.0.0.1' } } })
    ).text();
    expect(metrics).toContain('lfk_http_request_duration_seconds_count{method="GET",route="/v1/usage",status="200"} 2');
    expect(metrics).toContain('lfk_http_request_duration_seconds_count{method="GET",route="/v1/usage",status="401"} 1');
    expect(metrics).toContain('lfk_http_request_duration_seconds_count{method="POST",route="/v1/jobs",status="202"} 1');
    expect(metrics).toContain('lfk_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
  });

  it('refuses two Authorization headers (Node keeps only the first; lfk reads both)', async () => {
    const tenant = await h.createTenant();
    const other = await h.createTenant();
    const twice = await send(port, 'GET', '/v1/usage', [
      'Authorization',
      `Bearer ${tenant.enrichment.key}`,
      'Authorization',
      `Bearer ${other.enrichment.key}`,
    ]);
    expect(twice.status).toBe(401);
    expect(twice.body.error.code).toBe('invalid_api_key');
    const conflict = await send(port, 'GET', '/v1/usage', [
      'Authorization',
      `Bearer ${tenant.enrichment.key}`,
      'X-API-Key',
      other.enrichment.key,
    ]);
    expect([conflict.status, conflict.body.error.code]).toEqual([400, 'conflicting_credentials']);
    expect((await send(port, 'GET', '/v1/usage', ['authorization', `bearer ${tenant.enrichment.key}`])).status).toBe(
      200,
    );
  });

  it('refuses a revoked key on the very next request, cached or not', async () => {
    const tenant = await h.createTenant();
    const auth = ['Authorization', `Bearer ${tenant.enrichment.key}`];
    expect((await send(port, 'GET', '/v1/usage', auth)).status).toBe(200);
    expect((await send(port, 'GET', '/v1/usage', auth)).status).toBe(200);
    await h.service.revokeKey(tenant.accountId, tenant.enrichment.id, undefined, { actor: { type: 'system' } });
    const refused = await send(port, 'GET', '/v1/usage', auth);
    expect([refused.status, refused.body.error.code]).toEqual([401, 'invalid_api_key']);
  });
});
