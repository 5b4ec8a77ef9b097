import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../server/config.js';
import { CommandError, printError, UsageError } from './args.js';

/** A subcommand: returns its exit code (0 success, 1 failure, 2 wrong usage). */
type CommandRunner = (argv: string[]) => Promise<number>;

interface Command {
  readonly summary: string;
  /** Imports the command's module on use, so one command's dependencies never slow another. */
  readonly load: () => Promise<CommandRunner>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: {
    summary: 'serve the Mutual Rooms API over HTTP from SQLite or PostgreSQL',
    load: async () => (await import('./serve.js')).runServeCommand,
  },
  import: {
    summary: 'load memberships from NDJSON or CSV files into the database',
    load: async () => (await import('./import.js')).runImportCommand,
  },
  token: {
    summary: 'create an access token for a user',
    load: async () => (await import('./token.js')).runTokenCommand,
  },
  conformance: {
    summary: 'check a running server against the spec',
    load: loadConformanceCommand,
  },
};

export const USAGE = `usage: mutual-rooms <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run "mutual-rooms <command> --help" for the options of a command.`;

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    printError(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    printError(`mutual-rooms: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }

  try {
    return await (await command.load())(rest);
  } catch (error) {
    if (error instanceof CommandError) {
      printError(`mutual-rooms ${name}: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      printError(`mutual-rooms ${name}: ${error.message}`);
      return 2;
    }
    if (!(error instanceof UsageError)) throw error;
    printError(`mutual-rooms ${name}: ${error.message}\nRun "mutual-rooms ${name} --help" for usage.`);
    return 2;
  }
}

/**
 * The conformance checker ships as `./conformance.js`. The specifier is computed so this file
 * compiles whether or not that module exists; a build without it reports the command unavailable.
 */
async function loadConformanceCommand(): Promise<CommandRunner> {
  const specifier = './conformance.js';
  try {
    const module = (await import(specifier)) as { runConformanceCommand: CommandRunner };
    return module.runConformanceCommand;
  } catch (error) {
    // Only the absence of conformance.js itself means "not available"; other failures propagate.
    const missing = fileURLToPath(new URL(specifier, import.meta.url));
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes(missing)) throw error;
    return async () => {
      printError('mutual-rooms conformance: not available in this build');
      return 2;
    };
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
