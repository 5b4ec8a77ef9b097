import { readFileSync } from 'node:fs';

/**
 * Configuration of the `serve` command: each setting comes from a command-line option, else an
 * environment variable, else a default.
 */
export interface ServeConfig extends StoreConfig {
  readonly host: string;
  readonly port: number;
  readonly pageSize: number;
  readonly tokenTtlSeconds: number;
  /** Requests per user and window; 0 turns rate limiting off. */
  readonly rateLimit: number;
  readonly rateLimitWindowSeconds: number;
  /** Redis URL of the shared rate-limit counters; in-memory counters when undefined. */
  readonly redisUrl: string | undefined;
  /** Behaviour while Redis is unreachable: serve without a limit (open) or respond with 503 (closed). */
  readonly rateLimitFail: 'open' | 'closed';
  /** Pagination token secret from MUTUAL_ROOMS_SECRET or the secret file, if either is set. */
  readonly secret: Buffer | undefined;
  readonly logLevel: string;
  /** Seconds in-flight requests get to finish after SIGTERM or SIGINT. */
  readonly shutdownTimeoutSeconds: number;
  /** Whether requests and responses are validated against the spec; false only to measure its cost. */
  readonly validate: boolean;
}

/** Store selection for memberships and access tokens: PostgreSQL when `databaseUrl` is set, else SQLite. */
export interface StoreConfig {
  /** SQLite database file, used when `databaseUrl` is undefined. */
  readonly db: string;
  readonly databaseUrl: string | undefined;
  /** Maximum connections of the PostgreSQL pool. */
  readonly dbPoolSize: number;
}

/** Option values as `node:util` parseArgs returns them. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;
type Environment = Readonly<Record<string, string | undefined>>;

/** One setting: its option, environment variable, default and meaning, for parsing and help. */
export interface Setting {
  readonly key: Exclude<keyof ServeConfig, 'secret'> | 'secretFile';
  readonly option: string;
  readonly env: string;
  readonly default: string | undefined;
  readonly description: string;
}

export const SETTINGS: readonly Setting[] = [
  {
    key: 'db',
    option: 'db',
    env: 'MUTUAL_ROOMS_DB',
    default: './data/mutual-rooms.db',
    description: 'SQLite database file, created on first use',
  },
  {
    key: 'databaseUrl',
    option: 'database-url',
    env: 'DATABASE_URL',
    default: undefined,
    description:
      'PostgreSQL URL such as postgres://user:password@host:5432/database; selects PostgreSQL instead of --db',
  },
  {
    key: 'dbPoolSize',
    option: 'db-pool-size',
    env: 'MUTUAL_ROOMS_DB_POOL_SIZE',
    default: '10',
    description: 'maximum PostgreSQL connections of this process, 1 to 1000',
  },
  {
    key: 'host',
    option: 'host',
    env: 'MUTUAL_ROOMS_HOST',
    default: '127.0.0.1',
    description: 'interface to listen on',
  },
  {
    key: 'port',
    option: 'port',
    env: 'MUTUAL_ROOMS_PORT',
    default: '8008',
    description: 'TCP port; 0 picks a free one',
  },
  {
    key: 'pageSize',
    option: 'page-size',
    env: 'MUTUAL_ROOMS_PAGE_SIZE',
    default: '100',
    description: 'rooms per page, 1 to 10000',
  },
  {
    key: 'tokenTtlSeconds',
    option: 'token-ttl',
    env: 'MUTUAL_ROOMS_TOKEN_TTL_SECONDS',
    default: '600',
    description: 'seconds a next_batch token stays valid',
  },
  {
    key: 'rateLimit',
    option: 'rate-limit',
    env: 'MUTUAL_ROOMS_RATE_LIMIT',
    default: '600',
    description: 'requests per user and window; 0 turns rate limiting off',
  },
  {
    key: 'rateLimitWindowSeconds',
    option: 'rate-limit-window',
    env: 'MUTUAL_ROOMS_RATE_LIMIT_WINDOW_SECONDS',
    default: '60',
    description: 'rate limit window in seconds',
  },
  {
    key: 'redisUrl',
    option: 'redis-url',
    env: 'REDIS_URL',
    default: undefined,
    description: 'Redis URL such as redis://host:6379; instances using it share one rate limit per user',
  },
  {
    key: 'rateLimitFail',
    option: 'rate-limit-fail',
    env: 'MUTUAL_ROOMS_RATE_LIMIT_FAIL',
    default: 'open',
    description: 'while Redis is unreachable: open serves without a rate limit, closed responds with 503',
  },
  {
    key: 'secretFile',
    option: 'secret-file',
    env: 'MUTUAL_ROOMS_SECRET_FILE',
    default: undefined,
    description:
      'file with the next_batch signing secret (at least 32 bytes); else MUTUAL_ROOMS_SECRET, else one kept in the SQLite database. Required with --database-url or --redis-url',
  },
  {
    key: 'logLevel',
    option: 'log-level',
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'pino level: fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'shutdownTimeoutSeconds',
    option: 'shutdown-timeout',
    env: 'MUTUAL_ROOMS_SHUTDOWN_TIMEOUT_SECONDS',
    // Below the 30 s that Kubernetes waits after SIGTERM before it sends SIGKILL.
    default: '25',
    description: 'seconds in-flight requests get to finish after SIGTERM before their connections close',
  },
];

/** The settings that choose and open the store, shared by serve, import and token create. */
export const STORE_SETTINGS: readonly Setting[] = SETTINGS.filter((setting) =>
  ['db', 'databaseUrl', 'dbPoolSize'].includes(setting.key),
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIN_SECRET_BYTES = 32;

interface UrlKind {
  readonly pattern: RegExp;
  readonly example: string;
}

const POSTGRES_URL: UrlKind = {
  pattern: /^postgres(ql)?:\/\//,
  example: 'a PostgreSQL URL such as postgres://user:password@host:5432/database',
};
const REDIS_URL: UrlKind = {
  pattern: /^rediss?:\/\//,
  example: 'a Redis URL such as redis://host:6379 or rediss://host:6380 for TLS',
};

/** An invalid setting; the message names the option or variable and the accepted values. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Builds the `serve` configuration from parsed options and the environment. */
export function loadServeConfig(values: OptionValues, env: Environment = process.env): ServeConfig {
  const read = (key: Setting['key']) => readSetting(key, values, env);
  const store = loadStoreConfig(values, env);
  const redisUrl = urlSetting(read('redisUrl'), REDIS_URL);
  const secret = loadSecret(read('secretFile'), env);
  if (secret === undefined) {
    requireSharedSecret(store.databaseUrl === undefined ? undefined : read('databaseUrl'));
    requireSharedSecret(redisUrl === undefined ? undefined : read('redisUrl'));
  }

  return {
    ...store,
    host: read('host').value ?? '',
    port: integerSetting(read('port'), 0, 65535),
    pageSize: integerSetting(read('pageSize'), 1, 10000),
    tokenTtlSeconds: integerSetting(read('tokenTtlSeconds'), 1, 365 * 24 * 3600),
    rateLimit: integerSetting(read('rateLimit'), 0, 1_000_000_000),
    rateLimitWindowSeconds: integerSetting(read('rateLimitWindowSeconds'), 1, 24 * 3600),
    redisUrl,
    rateLimitFail: choiceSetting(read('rateLimitFail'), ['open', 'closed'] as const),
    secret,
    logLevel: choiceSetting(read('logLevel'), LOG_LEVELS),
    shutdownTimeoutSeconds: integerSetting(read('shutdownTimeoutSeconds'), 1, 3600),
    validate: validateSetting(values, env),
  };
}

/** Help line of the `--no-validate` flag, which has no entry in SETTINGS because it takes no value. */
export const NO_VALIDATE_HELP =
  '--no-validate        MUTUAL_ROOMS_VALIDATE=false: skip request and response validation against the spec, to measure its cost';

/** Reads `--no-validate`, else MUTUAL_ROOMS_VALIDATE (true or false), else true. */
function validateSetting(values: OptionValues, env: Environment): boolean {
  if (values['no-validate'] === true) return false;
  const value = env.MUTUAL_ROOMS_VALIDATE;
  if (value === undefined || value === '') return true;
  if (value !== 'true' && value !== 'false') {
    throw new ConfigError(`MUTUAL_ROOMS_VALIDATE must be true or false, got "${value}"`);
  }
  return value === 'true';
}

/** Builds the store settings from `--database-url`, `--db-pool-size`, `--db` and the environment. */
export function loadStoreConfig(values: OptionValues, env: Environment = process.env): StoreConfig {
  const read = (key: Setting['key']) => readSetting(key, values, env);
  return {
    db: read('db').value ?? '',
    databaseUrl: urlSetting(read('databaseUrl'), POSTGRES_URL),
    dbPoolSize: integerSetting(read('dbPoolSize'), 1, 1000),
  };
}

/** Returns the database path from `--db`, else MUTUAL_ROOMS_DB, else the default. */
export function loadDbPath(values: OptionValues, env: Environment = process.env): string {
  return readSetting('db', values, env).value ?? '';
}

/** Returns `url` with its password replaced by `***`, for logs and messages. */
export function redactUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable URL>';
  }
}

/**
 * Rejects a missing secret when `shared` (a database or Redis URL) is set: several instances may
 * then serve one user, and a token signed by one must verify on every other.
 */
function requireSharedSecret(shared: RawSetting | undefined): void {
  if (shared === undefined) return;
  throw new ConfigError(
    `${shared.source} is set, so every instance needs the same next_batch signing secret, but none ` +
      'is configured. Set MUTUAL_ROOMS_SECRET to a random value of at least 32 bytes, or ' +
      '--secret-file (MUTUAL_ROOMS_SECRET_FILE) to a file that holds one; create it with: ' +
      'openssl rand -base64 48',
  );
}

interface RawSetting {
  readonly value: string | undefined;
  /** Origin of the value, for error messages: "--port" or "MUTUAL_ROOMS_PORT". */
  readonly source: string;
}

function readSetting(key: Setting['key'], values: OptionValues, env: Environment): RawSetting {
  const setting = SETTINGS.find((candidate) => candidate.key === key);
  if (setting === undefined) throw new Error(`unknown setting ${key}`);
  const option = values[setting.option];
  if (typeof option === 'string') return { value: option, source: `--${setting.option}` };
  const fromEnv = env[setting.env];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: setting.env };
  return { value: setting.default, source: `default of --${setting.option}` };
}

function integerSetting(raw: RawSetting, min: number, max: number): number {
  const value = raw.value ?? '';
  const parsed = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${raw.source} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

function choiceSetting<T extends string>(raw: RawSetting, choices: readonly T[]): T {
  const value = raw.value ?? '';
  const choice = choices.find((candidate) => candidate === value);
  if (choice === undefined) {
    throw new ConfigError(`${raw.source} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return choice;
}

/** Checks the scheme of a URL setting; the message never repeats the URL, which may hold a password. */
function urlSetting(raw: RawSetting, kind: UrlKind): string | undefined {
  if (raw.value === undefined) return undefined;
  if (!kind.pattern.test(raw.value)) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(raw.value)?.[0];
    const given = scheme === undefined ? 'a value without a scheme' : `a ${scheme}// URL`;
    throw new ConfigError(`${raw.source} must be ${kind.example}, got ${given}`);
  }
  return raw.value;
}

/** Loads the secret from the secret file, else MUTUAL_ROOMS_SECRET, ignoring surrounding white space. */
function loadSecret(file: RawSetting, env: Environment): Buffer | undefined {
  let secret: string | undefined;
  let source = 'MUTUAL_ROOMS_SECRET';
  if (file.value !== undefined) {
    source = `the file ${file.value} given by ${file.source}`;
    try {
      secret = readFileSync(file.value, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`cannot read ${source}: ${(error as Error).message}`);
    }
  } else if (env.MUTUAL_ROOMS_SECRET !== undefined && env.MUTUAL_ROOMS_SECRET !== '') {
    secret = env.MUTUAL_ROOMS_SECRET.trim();
  }
  if (secret === undefined) return undefined;

  const bytes = Buffer.from(secret, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `the secret in ${source} has ${bytes.length} bytes but needs at least ${MIN_SECRET_BYTES}; ` +
        'create one with: openssl rand -base64 48',
    );
  }
  return bytes;
}
