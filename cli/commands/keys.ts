// lfk keys create|list|revoke: key management on the database directly (set-up and scripts).
import type { ParseArgsConfig } from 'node:util';
import type { KeyObject } from '../../key-service/service/types.js';
import { KEY_STATUSES, SCOPES, isOneOf, type Scope } from '../../platform/vocabulary.js';
import { terminalSafe } from '../../scanner/report/terminal-safe.js';
import { parseCommandArgs, unknownAction, UsageError } from '../command.js';
import { CLI_CONTEXT, printJson, withKeyService } from '../database-command.js';

const USAGE = `usage:
  lfk keys create --account ID --name NAME [--scope ${SCOPES.join('|')}]… [--expires-in-days D] [--json]
  lfk keys list --account ID [--status ${KEY_STATUSES.join('|')}] [--json]
  lfk keys revoke KEY_ID [--note TEXT] [--json]`;

function parse<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  return parseCommandArgs(`\n${USAGE}`, {
    args,
    options: { ...options, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
}

/** One line per key; its name was chosen by a customer, so the line is escaped (terminal-safe.ts). */
function describe(key: KeyObject): string {
  const used = key.last_used_at ? `last used ${key.last_used_at}` : 'never used';
  const flags = [key.status, key.rotation_overdue ? 'rotation due' : ''].filter(Boolean).join(', ');
  return terminalSafe(`${key.id}  ${key.display}  ${key.name}  [${key.scopes.join(' ')}]  ${flags}  ${used}`);
}

async function create(args: string[]): Promise<number> {
  const { values } = parse(args, {
    account: { type: 'string' },
    name: { type: 'string' },
    scope: { type: 'string', multiple: true },
    'expires-in-days': { type: 'string' },
  });
  if (!values.account || !values.name) throw new UsageError(`--account and --name are required\n${USAGE}`);
  const scopes = values.scope as string[] | undefined;
  for (const scope of scopes ?? []) {
    if (!isOneOf(SCOPES, scope)) throw new UsageError(`unknown scope "${scope}" (scopes: ${SCOPES.join(', ')})`);
  }
  const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
  if (days !== undefined && !(days > 0)) throw new UsageError('--expires-in-days must be a positive number');
  const accountId = values.account as string;
  const name = values.name as string;
  const created = await withKeyService((service) =>
    service.createKey(accountId, { name, scopes: scopes as Scope[] | undefined, expires_in_days: days }, CLI_CONTEXT),
  );
  if (values.json) printJson(created);
  else {
    process.stdout.write(
      `Created key ${created.id} "${terminalSafe(created.name)}" [${created.scopes.join(' ')}].\n\n  ${created.key}\n\n` +
        'Copy it now: it is shown this once and cannot be shown again.\n',
    );
  }
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { values } = parse(args, { account: { type: 'string' }, status: { type: 'string' } });
  if (!values.account) throw new UsageError(`--account is required\n${USAGE}`);
  const status = (values.status as string | undefined) || undefined;
  if (status !== undefined && !isOneOf(KEY_STATUSES, status))
    throw new UsageError(`--status must be ${KEY_STATUSES.slice(0, -1).join(', ')} or ${KEY_STATUSES.at(-1)}`);
  const accountId = values.account as string;
  const keys = await withKeyService(async (service) => {
    const all: KeyObject[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.listKeys(accountId, { limit: 100, cursor, status });
      all.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all;
  });
  if (values.json) printJson(keys);
  else process.stdout.write(keys.length === 0 ? 'No keys.\n' : `${keys.map(describe).join('\n')}\n`);
  return 0;
}

async function revoke(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { note: { type: 'string' } });
  const [keyId, ...extra] = positionals;
  if (!keyId || extra.length > 0) throw new UsageError(`give exactly one key id\n${USAGE}`);
  const note = values.note as string | undefined;
  const key = await withKeyService(
    async (service) => service.revokeKey(await service.accountOfKey(keyId), keyId, note, CLI_CONTEXT),
    { revokes: true },
  );
  if (values.json) printJson(key);
  else process.stdout.write(`Revoked ${key.id} ${key.display} "${terminalSafe(key.name)}" at ${key.revoked_at}.\n`);
  return 0;
}

const ACTIONS: Record<string, (args: string[]) => Promise<number>> = { create, list, revoke };

export async function run(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const handler = action ? ACTIONS[action] : undefined;
  if (!handler) throw unknownAction('keys', action, USAGE);
  return handler(rest);
}
