// Fake peers for the outbound tests, at the TCP/HTTP level: a notification receiver on any local
// address, an HTTP server that accepts and never answers, and an SMTP server that never greets.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface LocalReceiver {
  /** `http://host:port` (IPv6 hosts in brackets). */
  origin: string;
  port: number;
  requests: Array<{ path: string; body: string }>;
  close(): Promise<void>;
}

/** An HTTP receiver on `host` that answers 200 and remembers each request. */
export async function startLocalReceiver(host = '127.0.0.1'): Promise<LocalReceiver> {
  const requests: LocalReceiver['requests'] = [];
  const server: Server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', body });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface HangingPeer {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never says a word: an HTTP server that hangs, or an SMTP server that never greets. */
export async function startHangingPeer(scheme: 'http' | 'smtp'): Promise<HangingPeer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}${scheme === 'http' ? '/hooks/lfk' : ''}`,
    connections: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a fake API answers one request with; `hang` accepts it and never answers. */
export type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export interface FakeApi {
  url: string;
  /** `METHOD /path` of every request, in order. */
  seen: string[];
  /** Queues answers for requests whose `METHOD /path` (query left out) matches; each is used once. */
  on(method: string, path: string | RegExp, ...answers: Answer[]): void;
  close(): Promise<void>;
}

/** A local HTTP server standing in for GitHub, GitGuardian or an owner's receiver. Unplanned requests get 599. */
export async function startFakeApi(): Promise<FakeApi> {
  const routes: Array<{ method: string; path: string | RegExp; answers: Answer[] }> = [];
  const seen: string[] = [];
  const server: Server = createHttpServer((request, response) => {
    request.resume();
    const path = (request.url ?? '/').split('?')[0]!;
    seen.push(`${request.method} ${path}`);
    const route = routes.find(
      (candidate) =>
        candidate.method === request.method &&
        candidate.answers.length > 0 &&
        (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path)),
    );
    const answer = route?.answers.shift() ?? {
      status: 599,
      body: { message: `no answer planned for ${request.method} ${path}` },
    };
    if (answer === 'hang') return;
    response
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    on: (method, path, ...answers) => routes.push({ method, path, answers }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
