import { userIdProblem } from '../matrix/identifiers.js';
import { createAccessToken } from '../server/access-tokens.js';
import { loadStoreConfig } from '../server/config.js';
import { parseCommandArgs, printError, UsageError } from './args.js';
import { openStore, STORE_OPTIONS, STORE_OPTIONS_HELP } from './store.js';

export const TOKEN_USAGE = `usage: mutual-rooms token create USER_ID [--db PATH | --database-url URL]

Creates an access token for USER_ID and prints it on stdout, and nothing else. The database
keeps only its SHA-256 hash, so the token cannot be shown again.

options:
${STORE_OPTIONS_HELP}`;

/** Runs `mutual-rooms token create USER_ID`. */
export async function runTokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  if (values.help) {
    console.log(TOKEN_USAGE);
    return 0;
  }
  const [action, userId, ...extra] = positionals;
  if (action !== 'create')
    throw new UsageError(
      action === undefined ? 'missing action "create"' : `unknown action "${action}"; use "create"`,
    );
  if (userId === undefined) throw new UsageError('missing USER_ID, such as @alice:example.org');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

  const problem = userIdProblem(userId);
  if (problem !== undefined) {
    printError(
      `mutual-rooms token: "${userId}" is not a user ID: ${problem}; use the form @alice:example.org`,
    );
    return 2;
  }

  const store = await openStore(loadStoreConfig(values));
  try {
    const token = await createAccessToken(store, userId);
    process.stdout.write(`${token}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
