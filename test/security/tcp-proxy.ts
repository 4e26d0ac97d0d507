// A TCP proxy in front of the test PostgreSQL: `cut()` drops every open connection and refuses new
// ones (the database "goes away" for whoever talks through it); `hold()` drops them too but keeps
// new ones waiting, unanswered; `restore()` brings it back on the same port (and lets the waiting
// ones through). Only the code under test goes through it; the test itself talks to PostgreSQL directly.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private readonly upstreams = new Set<Socket>();
  private up = true;
  private holding = false;
  private readonly held: Socket[] = [];
  /** Connections to the target that have ended. */
  closedUpstreams = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Resets every connection through the proxy; new ones are reset at once until `restore()`. */
  cut(): void {
    this.up = false;
    for (const socket of this.open) socket.resetAndDestroy();
    this.open.clear();
  }

  /** Resets every connection through the proxy; new ones wait, unanswered, until `restore()`. */
  hold(): void {
    this.cut();
    this.up = true;
    this.holding = true;
  }

  /** Connections waiting since `hold()`. */
  heldCount(): number {
    return this.held.length;
  }

  restore(): void {
    this.up = true;
    this.holding = false;
    for (const client of this.held.splice(0)) this.pipe(client);
  }

  /** The local ports of the proxy's connections to the target: `client_port` in pg_stat_activity. */
  upstreamPorts(): number[] {
    return [...this.upstreams].map((socket) => socket.localPort).filter((port): port is number => port !== undefined);
  }

  async close(): Promise<void> {
    this.cut();
    for (const client of this.held.splice(0)) client.resetAndDestroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (!this.up) {
      client.resetAndDestroy();
      return;
    }
    if (this.holding) this.held.push(client);
    else this.pipe(client);
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    this.upstreams.add(upstream);
    upstream.on('close', () => {
      this.upstreams.delete(upstream);
      this.closedUpstreams++;
    });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(socket);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.open.delete(socket);
        other.destroy();
      });
      socket.pipe(other);
    }
  }
}

/** The PostgreSQL URL with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
