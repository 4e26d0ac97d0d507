// A second process writing the same database, for tests of concurrent writers (run with
// `node --import tsx`). It opens the store the way `lfk` does (openStore), says {"event":"ready"},
// and on a "go" line on stdin runs one transaction that reads the accounts and then inserts one:
//   write <url> <name>          that transaction, then {"event":"done", ok, seen | code, message}
//   hold <url> <name> <ms>      the same, but after the insert it says {"event":"holding"} and keeps
//                               the transaction (and SQLite's write lock) open for <ms> first
import { createInterface } from 'node:readline';
import { openStore } from '../../platform/database/database.js';
import { accountRow } from './account-row.js';

const [mode, url, name, holdMs] = process.argv.slice(2);
if ((mode !== 'write' && mode !== 'hold') || !url || !name) throw new Error('usage: write|hold <url> <name> [ms]');

const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const store = await openStore(url);
const lines = createInterface({ input: process.stdin });
say({ event: 'ready' });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

try {
  const seen = await store.db.transaction().execute(async (trx) => {
    const names = (await trx.selectFrom('accounts').select('name').orderBy('name').execute()).map((row) => row.name);
    await trx.insertInto('accounts').values(accountRow(name)).execute();
    if (mode === 'hold') {
      say({ event: 'holding' });
      await new Promise((resolve) => setTimeout(resolve, Number(holdMs ?? 500)));
    }
    return names;
  });
  say({ event: 'done', ok: true, seen });
} catch (error) {
  say({
    event: 'done',
    ok: false,
    code: (error as { code?: unknown }).code ?? null,
    message: (error as Error).message,
  });
} finally {
  await store.close();
}
