import { once } from 'node:events';
import { type Logger, pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  ConfigError,
  loadServeConfig,
  NO_VALIDATE_HELP,
  redactUrlPassword,
  SETTINGS,
  type ServeConfig,
} from '../server/config.js';
import { type RunningServer, startServer } from '../server/listen.js';
import { MemoryRateLimiter, unlimitedRateLimiter } from '../server/rate-limit-memory.js';
import { RedisRateLimiter } from '../server/rate-limit-redis.js';
import type { RateLimiter } from '../server/rate-limit-types.js';
import { resolveSecret } from '../server/secret.js';
import { CommandError, parseCommandArgs, printError, UsageError } from './args.js';
import { describeStore, openStore } from './store.js';

export const SERVE_USAGE = `usage: mutual-rooms serve [options]

Serves GET /_matrix/client/v1/mutual_rooms, and GET /health/live, /health/ready and /metrics
for operators. On SIGINT or SIGTERM it stops accepting connections, finishes the requests in
flight and exits with status 0. Each option falls back to the environment variable shown, then
to the default.

options:
${SETTINGS.map((setting) => {
  const fallback = setting.default === undefined ? '' : ` (default ${setting.default})`;
  return `  --${setting.option.padEnd(18)} ${setting.env}: ${setting.description}${fallback}`;
}).join('\n')}
  ${NO_VALIDATE_HELP}
  MUTUAL_ROOMS_SECRET (environment only): next_batch signing secret, at least 32 bytes`;

/** Runs `mutual-rooms serve`: listens until SIGINT or SIGTERM, then closes cleanly. */
export async function runServeCommand(argv: string[]): Promise<number> {
  const options = {
    ...Object.fromEntries(SETTINGS.map((setting) => [setting.option, { type: 'string' as const }])),
    'no-validate': { type: 'boolean' as const },
  };
  const { values, positionals } = parseCommandArgs(argv, options, false);
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);

  let config: ServeConfig;
  try {
    config = loadServeConfig(values);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printError(`mutual-rooms serve: ${error.message}`);
    return 2;
  }
  await serveUntilSignal(config, pino({ level: config.logLevel }));
  return 0;
}

/**
 * Opens the store (PostgreSQL or SQLite) and the rate limiter (Redis or in memory), listens and
 * calls `onListening` with the base URL. On SIGINT or SIGTERM it lets in-flight requests finish,
 * then closes the rate limiter and the store.
 */
export async function serveUntilSignal(
  config: ServeConfig,
  logger: Logger,
  onListening: (url: string) => void = () => {},
): Promise<void> {
  const store = await openStore(config, logger);
  const rateLimiter = createRateLimiter(config, logger);
  try {
    const { secret, source } = await resolveSecret(config.secret, store);
    logger.info({ source }, 'pagination token secret loaded');
    if (source === 'process') {
      logger.warn(
        'the store keeps no secret, so next_batch tokens stop working on restart; set MUTUAL_ROOMS_SECRET',
      );
    }
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
    const server = await startServer({
      store,
      rateLimiter,
      logger,
      metrics,
      validation: config.validate,
      config: { secret, pageSize: config.pageSize, tokenTtlSeconds: config.tokenTtlSeconds },
      host: config.host,
      port: config.port,
    }).catch((error: unknown) => {
      throw toListenFailure(error, config);
    });
    logger.info(
      { url: server.url, ...describeStore(config), rateLimiter: describeRateLimiter(config) },
      'listening',
    );
    if (!config.validate) logger.warn('request and response validation against the spec is off');
    onListening(server.url);

    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await shutDown(server, config, logger, String(signal[0] ?? 'signal'));
  } finally {
    await rateLimiter.close();
    await store.close();
  }
  logger.info('stopped');
}

/**
 * Stops accepting connections and lets in-flight requests finish within the shutdown timeout. A
 * second signal ends the remaining requests at once.
 */
async function shutDown(server: RunningServer, config: ServeConfig, logger: Logger, signal: string) {
  logger.info(
    { signal, timeoutSeconds: config.shutdownTimeoutSeconds },
    'shutting down: finishing in-flight requests',
  );
  const forceClose = () => {
    logger.warn('second signal: ending in-flight requests now');
    void server.close();
  };
  process.once('SIGINT', forceClose).once('SIGTERM', forceClose);
  try {
    const { abortedRequests } = await server.shutdown(config.shutdownTimeoutSeconds * 1000);
    if (abortedRequests > 0) {
      logger.warn({ abortedRequests }, 'shutdown timeout reached: ended unfinished requests');
    }
  } finally {
    process.off('SIGINT', forceClose).off('SIGTERM', forceClose);
  }
}

/**
 * Turns an error of listening on `host:port` into a CommandError (exit status 1) that names the
 * address and the setting to change. Other errors are returned unchanged.
 */
export function toListenFailure(error: unknown, config: Pick<ServeConfig, 'host' | 'port'>): unknown {
  const message = describeListenFailure((error as { code?: unknown }).code, config);
  return message === undefined ? error : new CommandError(message, 1, { cause: error });
}

function describeListenFailure(
  code: unknown,
  { host, port }: Pick<ServeConfig, 'host' | 'port'>,
): string | undefined {
  const portSetting = `--port or ${settingEnv('port')}`;
  const hostSetting = `--host or ${settingEnv('host')}`;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is in use; pick another with ${portSetting}`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to listen on port ${port} on ${host}; pick a port above 1023 with ${portSetting}`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; set ${hostSetting} to one, such as 127.0.0.1`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `host name ${host} could not be resolved; set ${hostSetting} to an IP address such as 127.0.0.1`;
    default:
      return undefined;
  }
}

function settingEnv(key: 'host' | 'port'): string {
  return SETTINGS.find((setting) => setting.key === key)?.env ?? '';
}

function createRateLimiter(config: ServeConfig, logger: Logger): RateLimiter {
  if (config.rateLimit === 0) return unlimitedRateLimiter;
  const windowMs = config.rateLimitWindowSeconds * 1000;
  if (config.redisUrl === undefined) return new MemoryRateLimiter({ limit: config.rateLimit, windowMs });
  return new RedisRateLimiter({
    url: config.redisUrl,
    limit: config.rateLimit,
    windowMs,
    failOpen: config.rateLimitFail === 'open',
    logger,
  });
}

function describeRateLimiter(config: ServeConfig): string {
  if (config.rateLimit === 0) return 'off';
  return config.redisUrl === undefined ? 'memory' : `redis ${redactUrlPassword(config.redisUrl)}`;
}
