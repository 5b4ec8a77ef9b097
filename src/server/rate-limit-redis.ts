import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type RateLimitDecision, type RateLimiter, RateLimiterUnavailableError } from './rate-limit-types.js';

export interface RedisRateLimiterOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  readonly url: string;
  /** Requests allowed per key and window. */
  readonly limit: number;
  /** Window length in milliseconds. */
  readonly windowMs: number;
  /** Prefix of the counter keys; instances that share a limit use the same one. */
  readonly keyPrefix?: string;
  /**
   * When Redis cannot be reached: true (default) allows the request and logs a warning; false
   * rejects `consume` with RateLimiterUnavailableError, which the server maps to a 503 response.
   */
  readonly failOpen?: boolean;
  /** Receives the warnings about an unreachable Redis. Nothing is logged without it. */
  readonly logger?: Logger;
  /** Minimum milliseconds between two warnings about an unreachable Redis. Default 30000. */
  readonly warningIntervalMs?: number;
  /** Milliseconds to wait for the TCP connection to Redis. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** Milliseconds to wait for the reply to one command. Default 500. */
  readonly commandTimeoutMs?: number;
}

export const DEFAULT_KEY_PREFIX = 'mutual-rooms:rate-limit:';

/**
 * Counts one request in the key's current fixed window and returns the count and the
 * milliseconds until the window ends. The window starts with the first request, which sets the
 * counter's expiry. A counter found without an expiry gets one, so no key outlives a window.
 */
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** A Redis client with the command that {@link CONSUME_SCRIPT} defines. */
type ScriptedRedis = Redis & {
  rateLimitConsume(key: string, windowMs: number): Promise<[number, number]>;
};

/**
 * RateLimiter whose counters live in Redis, so every instance that uses the same Redis and key
 * prefix enforces one shared limit per key. Each call is one atomic Lua script (INCR, then
 * PEXPIRE on the first request of a window), so concurrent instances never lose a count.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: ScriptedRedis;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #keyPrefix: string;
  readonly #failOpen: boolean;
  readonly #logger: Logger | undefined;
  readonly #warningIntervalMs: number;
  readonly #connectTimeoutMs: number;
  #lastWarningAt = Number.NEGATIVE_INFINITY;
  #suppressedWarnings = 0;
  #unavailable = false;

  constructor(options: RedisRateLimiterOptions) {
    checkPositiveInteger('limit', options.limit);
    checkPositiveInteger('windowMs', options.windowMs);
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.#failOpen = options.failOpen ?? true;
    this.#logger = options.logger;
    this.#warningIntervalMs = options.warningIntervalMs ?? 30_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;

    // Without an offline queue a command fails at once while Redis is away instead of waiting for
    // a reconnect. The client keeps reconnecting in the background.
    const redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.#connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 500,
    });
    redis.defineCommand('rateLimitConsume', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
    // ioredis emits 'error' on every failed (re)connect; an unhandled 'error' would crash Node.
    redis.on('error', (error: Error) => this.#reportUnavailable(error));
    redis.on('ready', () => this.#reportRestored());
    this.#redis = redis as ScriptedRedis;
  }

  /** Whether `consume` allows requests while Redis is unreachable (the `failOpen` option). */
  get failsOpen(): boolean {
    return this.#failOpen;
  }

  /** Counts one request for `key` (a user ID) and decides whether it may proceed. */
  async consume(key: string): Promise<RateLimitDecision> {
    let count: number;
    let ttlMs: number;
    try {
      [count, ttlMs] = await this.#redis.rateLimitConsume(this.#keyPrefix + key, this.#windowMs);
    } catch (error) {
      this.#reportUnavailable(error);
      if (this.#failOpen) {
        return { allowed: true };
      }
      throw new RateLimiterUnavailableError(`Redis rate limiter is unavailable: ${describe(error)}`, {
        cause: error,
      });
    }

    if (count <= this.#limit) {
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, ttlMs) };
  }

  /**
   * Resolves once the connection to Redis is ready. Rejects with RateLimiterUnavailableError if
   * it is not ready within `timeoutMs`; the client keeps reconnecting afterwards.
   */
  async ready(timeoutMs = this.#connectTimeoutMs): Promise<void> {
    if (this.#redis.status === 'ready') {
      return;
    }

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        reject(new RateLimiterUnavailableError(`Redis was not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#redis.once('ready', onReady);
    });
  }

  /** Resolves when Redis replies to PING; rejects with RateLimiterUnavailableError otherwise. */
  async ping(): Promise<void> {
    try {
      await this.#redis.ping();
    } catch (error) {
      throw new RateLimiterUnavailableError(`Redis PING failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** Closes the connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    if (this.#redis.status === 'end') {
      return;
    }

    if (this.#redis.status === 'ready') {
      try {
        await this.#redis.quit();
        return;
      } catch {
        // QUIT fails when the connection drops meanwhile; disconnect below ends the client.
      }
    }
    this.#redis.disconnect();
  }

  /** Logs at most one warning per interval, with the number of failures since the last one. */
  #reportUnavailable(error: unknown): void {
    this.#unavailable = true;
    const now = Date.now();
    if (now - this.#lastWarningAt < this.#warningIntervalMs) {
      this.#suppressedWarnings += 1;
      return;
    }

    const consequence = this.#failOpen
      ? 'requests are allowed without a rate limit'
      : 'rate-limited requests fail with 503';
    this.#logger?.warn(
      { err: error, suppressedWarnings: this.#suppressedWarnings },
      `Redis rate limiter is unavailable; ${consequence}`,
    );
    this.#lastWarningAt = now;
    this.#suppressedWarnings = 0;
  }

  #reportRestored(): void {
    if (!this.#unavailable) {
      return;
    }

    this.#unavailable = false;
    this.#logger?.info('Redis rate limiter is available again');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}
