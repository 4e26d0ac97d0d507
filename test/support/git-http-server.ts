// A real git smart-HTTP server on loopback: Node's HTTP server in front of `git http-backend` (the
// CGI program git ships), serving the bare repositories under one folder. Like GitHub, it wants
// HTTP Basic credentials `x-access-token:<token>` and answers 401 without them.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Clones served so far (upload-pack requests), by repository path. */
  clones: string[];
  /** Requests refused for missing or wrong credentials. */
  refused: number;
  close(): Promise<void>;
}

const BACKEND = '/usr/lib/git-core/git-http-backend';

/** `acceptToken` gets the token of the request's credentials (undefined when it has none) and the path asked for. */
export async function startGitHttpServer(
  root: string,
  acceptToken: (token: string | undefined, path: string) => boolean,
  /** Milliseconds to hold a request to `path` before serving it (a slow clone), 0 for none. */
  delayOf: (path: string) => number = () => 0,
): Promise<GitHttpServer> {
  const state = { clones: [] as string[], refused: 0 };
  const server: Server = createServer(async (request, response) => {
    const delay = delayOf(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (response.destroyed) return;
    const token = tokenOf(request.headers.authorization);
    if (!acceptToken(token, new URL(request.url ?? '/', 'http://localhost').pathname)) {
      state.refused++;
      response.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' }).end('authentication required\n');
      return;
    }
    serve(root, request, response, state.clones);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get clones() {
      return state.clones;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function tokenOf(header: string | undefined): string | undefined {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match) return undefined;
  const [user, password] = Buffer.from(match[1]!, 'base64').toString('utf8').split(':');
  return user === 'x-access-token' ? password : undefined;
}

function serve(root: string, request: IncomingMessage, response: ServerResponse, clones: string[]): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname.endsWith('/git-upload-pack')) clones.push(url.pathname.replace(/\/git-upload-pack$/, ''));
  const cgi = spawn(BACKEND, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method ?? 'GET',
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      ...(request.headers['content-encoding'] && { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] }),
      ...(request.headers['git-protocol'] && { GIT_PROTOCOL: String(request.headers['git-protocol']) }),
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
    },
  });
  request.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    response.write(head.subarray(end + 4));
  });
  cgi.stdout.on('end', () => response.end());
  cgi.on('error', () => response.destroy());
}
