// The database unreachable when `lfk serve` starts: it exits 2 (a fatal error,
// docs/key-service.md#commands) with a message that names the database (password hidden) and the
// setting to check, instead of starting half-alive. Runs the built CLI (`npm run build`).
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runLfk } from '../support/cli.js';
import { TcpProxy } from './tcp-proxy.js';

/** A port nothing listens on: bound, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the database unreachable when lfk serve starts', () => {
  it('exits 2 with a message naming the database (password hidden) when PostgreSQL refuses connections', async () => {
    const port = await unusedPort();
    const result = await runLfk(['serve', '--port', '0'], {
      env: { LFK_DATABASE_URL: `postgres://lfk:s3cret@127.0.0.1:${port}/lfk` },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`lfk: cannot reach the database (postgres://lfk:***@127.0.0.1:${port}/lfk)`);
    expect(result.stderr).toMatch(/ECONNREFUSED.*Check LFK_DATABASE_URL/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stdout).not.toContain('lfk listening');
  });

  it('exits 2 the same way when a PostgreSQL port accepts the connection and drops it at once', async () => {
    const proxy = await new TcpProxy('127.0.0.1', await unusedPort()).start();
    proxy.cut();
    try {
      const result = await runLfk(['serve', '--port', '0'], {
        env: { LFK_DATABASE_URL: `postgres://lfk@127.0.0.1:${proxy.port}/lfk` },
      });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`lfk: cannot reach the database (postgres://lfk@127.0.0.1:${proxy.port}/lfk)`);
    } finally {
      await proxy.close();
    }
  });

  it('exits 2 naming the file when SQLite cannot open it', async () => {
    const result = await runLfk(['serve', '--port', '0'], {
      env: { LFK_DATABASE_URL: 'sqlite:/nonexistent-lfk-dir/sub/lfk.db' },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('lfk: cannot reach the database (sqlite:/nonexistent-lfk-dir/sub/lfk.db)');
  });
});
