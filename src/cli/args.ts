import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Wrong command-line usage; the CLI prints the message with the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the CLI reports as one line on stderr, without a stack trace, exiting `exitCode`. */
export class CommandError extends Error {
  override readonly name = 'CommandError';

  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed options (a `help` flag included) and positional arguments of one command. */
export interface ParsedCommandArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: string[];
}

/** Parses `argv` strictly; unknown options and missing option values become UsageErrors. */
export function parseCommandArgs(
  argv: string[],
  options: Options,
  allowPositionals = true,
): ParsedCommandArgs {
  const withHelp: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: withHelp,
      allowPositionals,
      strict: true,
    });
    return { values: values as ParsedCommandArgs['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Returns a string option's value; parseArgs guarantees the type for `type: 'string'` options. */
export function stringOption(values: ParsedCommandArgs['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Writes a CLI message to stderr: the channel for everything that is not a command's result. */
export function printError(message: string): void {
  process.stderr.write(`${message}\n`);
}
