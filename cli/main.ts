#!/usr/bin/env node
// The `lfk` command. Each command lives in its own file and is imported only when it runs, so
// `lfk scan` never loads the web server, Octokit or a database driver.
import { UsageError, printMessageLines, runCommand, type CommandModule } from './command.js';

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  serve: () => import('./commands/serve.js'),
  accounts: () => import('./commands/accounts.js'),
  keys: () => import('./commands/keys.js'),
  scan: () => import('./commands/scan.js'),
  rules: () => import('./commands/rules.js'),
  github: () => import('./commands/github.js'),
  hook: () => import('./commands/hook.js'),
};

const HELP = `lfk: keep Trust Leads API keys from leaking, and revoke them when they do.

Usage:
  lfk serve [--port N] [--host H]          key service, web page and webhooks
  lfk accounts create --name N --email E --plan free|pro|agency --password-stdin [--json]
  lfk keys create --account ID --name N [--scope S]… [--expires-in-days D] [--json]
  lfk keys list --account ID [--json]
  lfk keys revoke ID [--note TEXT] [--json]
  lfk scan [PATH…] | - | --git | --staged | --pre-push [REMOTE]   find lfk keys (lfk scan --help)
  lfk hook install [--pre-commit] [--pre-push] | uninstall    git hooks that run lfk scan
  lfk rules list | export --to gitleaks|github|trufflehog
  lfk github register [--org ORG]          create the GitHub App (docs/github-app.md)

Exit codes: 0 done (nothing found), 1 refused (or findings), 2 usage or fatal error.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(HELP);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { LFK_VERSION } = await import('./version.js');
    process.stdout.write(`${LFK_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command "${name}" (lfk --help lists them)`);
  return runCommand(await load(), rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportFatal(error);
  },
);

function reportFatal(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  // Messages name paths, refs and rule files: escaped (a usage text under a message keeps its lines).
  printMessageLines(`lfk: ${message}\n`);
  if (error instanceof UsageError) return 2;
  if (process.env.LFK_DEBUG && error instanceof Error && error.stack) printMessageLines(`${error.stack}\n`);
  return 2;
}
