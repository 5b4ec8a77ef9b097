/** The outcome of one rate-limit check. */
export type RateLimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

/** Counts requests per key (a user ID) in fixed windows; in memory or in Redis. */
export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
  /** Resolves when the shared counter store (Redis) replies. In-memory limiters do not have it. */
  ping?(): Promise<void>;
  /**
   * True when `consume` allows requests while the counter store is unreachable. Readiness then
   * stays up during a Redis outage, since the instance keeps serving.
   */
  readonly failsOpen?: boolean;
  close(): Promise<void>;
}

/**
 * Raised by a limiter configured to fail closed when its counter store cannot be reached. The
 * server responds with 503.
 */
export class RateLimiterUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RateLimiterUnavailableError';
  }
}
