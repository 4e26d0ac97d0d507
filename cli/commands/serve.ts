// lfk serve [--port N] [--host H]: the key service (and, as they land, the web page and webhooks).
import { parseArgs } from 'node:util';
import { UsageError } from '../command.js';
import { loadEnvironment, serverSettings } from '../settings.js';

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: lfk serve [--port N] [--host H]`);
  }
  const settings = serverSettings(loadEnvironment(), values);
  const { startServer } = await import('../server.js');
  const server = await startServer(settings);
  process.stdout.write(`lfk listening on ${server.url}\n`);

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
