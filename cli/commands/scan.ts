import { UsageError } from '../command.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('lfk scan is not built yet');
}
