// What every `lfk` command file exports, and the errors that map to exit codes.

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

export async function runCommand(command: CommandModule, args: string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof RefusedError) {
      process.stderr.write(`lfk: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
