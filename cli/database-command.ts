// Shared by the commands that work on the database directly (`lfk accounts`, `lfk keys`).
import { ApiError } from '../platform/errors.js';
import { openStore } from '../platform/database/database.js';
import { KeyService } from '../key-service/service/key-service.js';
import type { RequestContext } from '../key-service/service/types.js';
import { RefusedError, UsageError } from './command.js';
import { databaseUrlOf, loadEnvironment } from './settings.js';

export const CLI_CONTEXT: RequestContext = { actor: { type: 'system', id: 'cli' } };

/**
 * Opens the database of LFK_DATABASE_URL, runs `work`, and maps service errors to exit codes. With
 * `revokes`, the command listens for revocations like a server does, so a revocation it makes
 * returns only once every running instance has dropped the key (bounded at 1 s; PostgreSQL).
 */
export async function withKeyService<T>(
  work: (service: KeyService) => Promise<T>,
  options: { revokes?: boolean } = {},
): Promise<T> {
  const url = databaseUrlOf(loadEnvironment());
  let store;
  try {
    store = await openStore(url, { poolSize: 2 });
  } catch (error) {
    throw new Error(`cannot open the database (${redactUrl(url)}): ${(error as Error).message}`);
  }
  const service = new KeyService(store);
  let stopFollowing: (() => Promise<void>) | undefined;
  try {
    if (options.revokes) stopFollowing = await service.followRevocations(() => undefined);
    return await work(service);
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 400 || error.status === 404) throw new UsageError(error.message);
      throw new RefusedError(error.message);
    }
    throw error;
  } finally {
    await stopFollowing?.().catch(() => undefined);
    await service.stop().catch(() => undefined);
    await store.close();
  }
}

/** A database URL fit for a message: no password. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
