// lfk serve [--port N] [--host H]: the key service (and, as they land, the web page and webhooks).
import { isUnavailableError } from '../../platform/database-trouble.js';
import { parseCommandArgs } from '../command.js';
import { redactUrl } from '../database-command.js';
import { loadEnvironment, serverSettings } from '../settings.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('\nusage: lfk serve [--port N] [--host H]', {
    args,
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const env = loadEnvironment();
  const settings = serverSettings(env, values);
  const { startServer, httpTimeouts } = await import('../server.js');
  const timeouts = httpTimeouts(env);
  let server;
  try {
    server = await startServer(settings, undefined, timeouts);
  } catch (error) {
    // Fatal (exit 2, docs/key-service.md#commands), but say which setting to check instead of a
    // bare driver error. better-sqlite3 says "Cannot open database because the directory does not
    // exist" without a code.
    if (!isUnavailableError(error) && !/^Cannot open database/.test((error as Error).message)) throw error;
    throw new Error(
      `cannot reach the database (${redactUrl(settings.databaseUrl)}): ${(error as Error).message}. Check LFK_DATABASE_URL and that the database is running.`,
    );
  }
  process.stdout.write(`lfk listening on ${server.url}\n`);
  if (server.setupToken) {
    // Without LFK_PUBLIC_URL the link points where the server really listens (--port 0 included).
    const publicUrl = env.LFK_PUBLIC_URL ? settings.publicUrl : server.url;
    process.stdout.write(
      `No account yet. Set up the first one (this link works once):\n  ${publicUrl}/app/setup?token=${server.setupToken}\n`,
    );
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      server.logger.info('shutting down', { signal });
      server.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
