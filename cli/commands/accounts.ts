// lfk accounts create --name N --email E --plan P --password-stdin [--json]
import { PLANS, isOneOf } from '../../platform/vocabulary.js';
import { parseSingleAction, UsageError } from '../command.js';
import { printJson, withKeyService } from '../database-command.js';
import { readStdin } from '../stdin.js';

const USAGE = `usage: lfk accounts create --name NAME --email EMAIL --plan ${PLANS.join('|')} --password-stdin [--json]`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseSingleAction(args, 'accounts', 'create', USAGE, {
    name: { type: 'string' },
    email: { type: 'string' },
    plan: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const { name, email, plan } = values;
  if (!name || !email || !plan) throw new UsageError(`--name, --email and --plan are required\n${USAGE}`);
  if (!isOneOf(PLANS, plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`);
  // A password on the command line would sit in shell history and `ps`; only stdin is accepted.
  if (!values['password-stdin'])
    throw new UsageError(`--password-stdin is required: pipe the owner's password in\n${USAGE}`);
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new UsageError('no password on standard input');

  const created = await withKeyService((service) => service.createAccount({ name, email, plan, password }));
  if (values.json) printJson(created);
  else {
    process.stdout.write(
      `Created account ${created.account.id} "${created.account.name}" on the ${created.account.plan} plan.\n` +
        `Owner ${created.user.id} <${created.user.email}>.\n`,
    );
  }
  return 0;
}
