import { MatrixError } from './errors.js';

/** When and how long to wait before sending a rate-limited (HTTP 429) request again. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3, and 0 turns retrying off. */
  maxRetries?: number;
  /** Sum of all waits for one request, in milliseconds. A wait that would exceed it is not started. Default 30000. */
  maxTotalWaitMs?: number;
  /** Wait when the 429 response gives neither `Retry-After` nor `retry_after_ms`, in milliseconds. Default 1000. */
  defaultDelayMs?: number;
  /** Called before each wait, for example to log it. */
  onRetry?: (event: RetryEvent) => void;
}

/** One wait before a retry. */
export interface RetryEvent {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The 429 response that caused the retry. */
  readonly error: MatrixError;
}

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly maxTotalWaitMs: number;
  readonly defaultDelayMs: number;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
}

// setTimeout fires at once for delays above 2^31 - 1 milliseconds.
const MAX_DELAY_MS = 2_147_483_647;

const DEFAULT_POLICY: RetryPolicy = {
  maxRetries: 3,
  maxTotalWaitMs: 30_000,
  defaultDelayMs: 1_000,
  onRetry: undefined,
};

/** Validates `retry` options and fills in defaults. `false` turns retrying off. */
export function resolveRetryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) {
    return { ...DEFAULT_POLICY, maxRetries: 0 };
  }
  if (options === undefined) {
    return DEFAULT_POLICY;
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`retry must be an object or false, got ${typeof options}`);
  }

  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? DEFAULT_POLICY.maxRetries,
    maxTotalWaitMs: options.maxTotalWaitMs ?? DEFAULT_POLICY.maxTotalWaitMs,
    defaultDelayMs: options.defaultDelayMs ?? DEFAULT_POLICY.defaultDelayMs,
    onRetry: options.onRetry,
  };
  for (const name of ['maxRetries', 'maxTotalWaitMs', 'defaultDelayMs'] as const) {
    const value = policy[name];
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_DELAY_MS) {
      throw new RangeError(
        `retry.${name} must be an integer from 0 to ${MAX_DELAY_MS}, got ${String(value)}`,
      );
    }
  }
  if (policy.onRetry !== undefined && typeof policy.onRetry !== 'function') {
    throw new TypeError(`retry.onRetry must be a function, got ${typeof policy.onRetry}`);
  }
  return policy;
}

/**
 * Calls `send` and repeats it after each HTTP 429 MatrixError, waiting the delay the server gave.
 * Rethrows the last 429 once `maxRetries` is used up or the next wait would exceed
 * `maxTotalWaitMs`. An aborted `signal` rejects with the signal's reason, before a send or during a wait.
 */
export async function sendWithRetry<T>(
  send: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<T> {
  let totalWaitMs = 0;
  for (let attempt = 1; ; attempt++) {
    // A custom fetch may ignore the signal, so an aborted call must not reach it.
    signal?.throwIfAborted();
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof MatrixError) || error.status !== 429) {
        throw error;
      }

      const delayMs = error.retryAfterMs ?? policy.defaultDelayMs;
      if (attempt > policy.maxRetries || totalWaitMs + delayMs > policy.maxTotalWaitMs) {
        throw error;
      }

      totalWaitMs += delayMs;
      policy.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

/** Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }

    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
