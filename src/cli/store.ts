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
 * migrations, else the SQLite file. A database that cannot be opened raises a CommandError (exit
 * status 1) whose message hides the password of a URL.
 */
export async function openStore(config: StoreConfig, logger?: Logger): Promise<MembershipStore> {
  if (config.databaseUrl === undefined) return openSqliteStore(config.db);

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

/**
 * Opens the SQLite store at `path`, creating the file and its folder on first use. A path that
 * cannot be opened as a database raises a CommandError (exit status 1) that names the path, the
 * reason and the fix, in place of the stack trace of better-sqlite3's or Node's error.
 */
export function openSqliteStore(path: string): SqliteStore {
  try {
    return SqliteStore.open(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    throw new CommandError(describeSqliteOpenFailure(path, code, (error as Error).message), 1, {
      cause: error,
    });
  }
}

const DB_SETTING = '--db (MUTUAL_ROOMS_DB)';

/** Names the cause of a failed SQLite open, from a better-sqlite3 or Node error code, and the fix. */
export function describeSqliteOpenFailure(path: string, code: string, message: string): string {
  switch (code) {
    case 'SQLITE_NOTADB':
      return `${path} is not a SQLite database; set ${DB_SETTING} to a mutual-rooms database or to a new file`;
    case 'SQLITE_CORRUPT':
      return `the SQLite database ${path} is corrupt; restore it from a backup or set ${DB_SETTING} to a new file`;
    case 'SQLITE_CANTOPEN':
      return `cannot open ${path} as a SQLite database file; set ${DB_SETTING} to a file path in a folder you can write to`;
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `no permission to write the SQLite database ${path} or its folder; set ${DB_SETTING} to a path you can write to`;
    case 'SQLITE_BUSY':
      return `the SQLite database ${path} is locked by another process; stop it or set ${DB_SETTING} to another file`;
    case 'SCHEMA_TOO_NEW':
      return `the SQLite database ${path} ${message}, or set ${DB_SETTING} to another file`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `cannot create the folder of ${path}, because a file is in its place; set ${DB_SETTING} to a path under a folder`;
    default:
      return `cannot open the SQLite database ${path}: ${message} (${code}); check ${DB_SETTING}`;
  }
}
