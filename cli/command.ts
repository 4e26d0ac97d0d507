// What every `lfk` command file exports, the errors that map to exit codes, and how commands
// print their messages on stderr.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { terminalSafe, terminalSafeLines } from '../scanner/report/terminal-safe.js';

export interface CommandModule {
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** A mistake in how lfk was called: exit 2 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A request lfk understood but refuses (for example a free plan): exit 1 with the message. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

/**
 * node:util's parseArgs for a command: what it refuses (an unknown option, a missing value) is a
 * UsageError: its message, then `help` (the usage, or where to find it).
 */
export function parseCommandArgs<T extends ParseArgsConfig>(help: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}${help}`);
  }
}

/** The UsageError for `lfk <command>` without its action or with one it does not have: the usage, after what was wrong. */
export function unknownAction(command: string, action: string | undefined, usage: string): UsageError {
  return new UsageError(action ? `unknown action "${command} ${action}"\n${usage}` : usage);
}

/**
 * The options of `lfk <command> <action> …` for a command with a single action: any other action
 * (or none) is unknownAction's UsageError; the options parse strictly, with the usage after a mistake.
 */
export function parseSingleAction<T extends ParseArgsConfig['options']>(
  args: string[],
  command: string,
  action: string,
  usage: string,
  options: T,
) {
  const [given, ...rest] = args;
  if (given !== action) throw unknownAction(command, given, usage);
  return parseCommandArgs(`\n${usage}`, { args: rest, options, strict: true });
}

export async function runCommand(command: CommandModule, args: string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof RefusedError) {
      printMessageLines(`lfk: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

// Messages quote what lfk was given or found (file names from a scanned tree, git's words, rule
// text, archive entry names): they reach stderr through these two, which escape every control and
// bidi character (scanner/report/terminal-safe.ts), so a hostile name cannot drive the terminal or
// forge lines in a CI log.

/** One message line on stderr, with its line end added; a line end inside it is escaped too. */
export function printMessage(line: string): void {
  process.stderr.write(`${terminalSafe(line)}\n`);
}

/** Text that is several lines on purpose (an error with the usage under it) on stderr: each line escaped, line ends kept. */
export function printMessageLines(text: string): void {
  process.stderr.write(terminalSafeLines(text));
}
