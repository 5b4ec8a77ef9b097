import type { RateLimitDecision, RateLimiter } from './rate-limit-types.js';

export interface MemoryRateLimiterOptions {
  /** Requests allowed per key in one window. */
  readonly limit: number;
  /** Window length in ms; a key's window starts with its first request. */
  readonly windowMs: number;
  /** Clock in ms; tests pass their own. */
  readonly now?: () => number;
}

interface Window {
  readonly startedAt: number;
  count: number;
}

/** Expired windows are dropped after this many calls, so idle keys do not accumulate. */
const SWEEP_EVERY = 1024;

/**
 * A fixed-window RateLimiter in process memory: each key may make `limit` requests per window.
 * Counts are per process, so several server processes each allow `limit`.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  #calls = 0;

  constructor(options: MemoryRateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new RangeError(`rate limit window must be a positive number of ms, got ${options.windowMs}`);
    }
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  async consume(key: string): Promise<RateLimitDecision> {
    const now = this.#now();
    this.#sweepSometimes(now);

    let window = this.#windows.get(key);
    if (window === undefined || now - window.startedAt >= this.#windowMs) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
    }
    if (window.count < this.#limit) {
      window.count += 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: window.startedAt + this.#windowMs - now };
  }

  /** Keys whose window is tracked; expired ones stay until the next sweep. */
  get size(): number {
    return this.#windows.size;
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }

  #sweepSometimes(now: number): void {
    this.#calls += 1;
    if (this.#calls % SWEEP_EVERY !== 0) return;
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(key);
    }
  }
}

/** A RateLimiter that allows every request, for a rate limit of 0 (disabled). */
export const unlimitedRateLimiter: RateLimiter = {
  consume: async () => ({ allowed: true }),
  close: async () => {},
};
