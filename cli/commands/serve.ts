import { UsageError } from '../command.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('lfk serve is not built yet');
}
