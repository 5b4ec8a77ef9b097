import type { Logger } from 'pino';
import { redactUrlPassword, STORE_SETTINGS, type StoreConfig } from '../server/config.js';
import { PostgresStore } from '../store/postgres.js';
import { SqliteStore } from '../store/sqlite.js';
import type { MembershipStore } from '../store/types.js';
import { CommandError } from './args.js';

/** parseArgs options of the settings that select the store: --db, --database-url, --db-pool-size. */
export const STORE_OPTIONS = Object.fromEntries(
  STORE_SETTINGS.map((setting) => [setting.option, { type: 'string' as const }]),
);

const PLACEHOLDERS: Readonly<Record<string, string>> = {
  db: 'PATH',
  'database-url': 'URL',
  'db-pool-size': 'N',
};

/** Help lines of {@link STORE_OPTIONS}, each with its environment variable and default. */
export const STORE_OPTIONS_HELP = STORE_SETTINGS.map((setting) => {
  const option = `--${setting.option} ${PLACEHOLDERS[setting.option] ?? 'VALUE'}`;
  const fallback = setting.default === undefined ? '' : `, default ${setting.default}`;
  return `  ${option.padEnd(20)} ${setting.description} (${setting.env}${fallback})`;
}).join('\n');

/**
 * Opens the store that `config` selects: PostgreSQL when a database URL is set, applying pending
 * migrations, else the SQLite file. A PostgreSQL database that cannot be opened raises a
 * CommandError (exit status 1) whose message hides the password of the URL.
 */
export async function openStore(config: StoreConfig, logger?: Logger): Promise<MembershipStore> {
  if (config.databaseUrl === undefined) return SqliteStore.open(config.db);

  try {
    return await PostgresStore.connect(config.databaseUrl, { poolSize: config.dbPoolSize, logger });
  } catch (error) {
    throw new CommandError(
      `cannot open the PostgreSQL database ${redactUrlPassword(config.databaseUrl)}: ` +
        `${(error as Error).message}; check --database-url (DATABASE_URL) and that the server accepts connections`,
      1,
      { cause: error },
    );
  }
}

/** Log fields naming the store, with the password of a database URL hidden. */
export function describeStore(config: StoreConfig): Record<string, string> {
  if (config.databaseUrl === undefined) return { store: 'sqlite', db: config.db };
  return { store: 'postgres', databaseUrl: redactUrlPassword(config.databaseUrl) };
}
