import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { MembershipStore } from '../store/types.js';
import type { RateLimiter } from './rate-limit-types.js';

/** The outcome of one dependency check in the readiness body. */
export type CheckState = 'ok' | 'unavailable';

/** The JSON body of `GET /health/ready`. */
export interface ReadinessBody {
  /**
   * `ready` (200); `degraded` (200) while a rate limiter that fails open cannot reach Redis, so
   * requests are served without a limit; `unavailable` (503) otherwise.
   */
  readonly status: 'ready' | 'degraded' | 'unavailable';
  /** One entry per dependency; `rate_limiter` only for limiters with a shared counter store. */
  readonly checks: { readonly store: CheckState; readonly rate_limiter?: CheckState };
}

/** Time each dependency gets to respond to a readiness check before it counts as unavailable. */
export const READY_CHECK_TIMEOUT_MS = 2000;

/** Responds to `GET /health/live` with 200 while the process can handle HTTP at all. */
export const liveHandler: RequestHandler = (_req, res) => {
  res.set('Cache-Control', 'no-store').json({ status: 'live' });
};

/**
 * Returns the handler of `GET /health/ready`, which pings the store and the rate limiter's Redis
 * and responds with 200 or 503 and a {@link ReadinessBody} naming each dependency's state. A dependency
 * that goes down or comes back is logged once per change, not once per probe.
 */
export function createReadyHandler(
  store: MembershipStore,
  rateLimiter: RateLimiter,
  logger: Logger,
): RequestHandler {
  const previous = new Map<string, CheckState>();
  const record = (name: string, outcome: CheckOutcome) => {
    const before = previous.get(name) ?? 'ok';
    previous.set(name, outcome.state);
    if (before === outcome.state) return;
    if (outcome.state === 'unavailable') {
      logger.warn({ err: outcome.error, check: name }, 'readiness check failed');
    } else {
      logger.info({ check: name }, 'readiness check passes again');
    }
  };

  return async (_req, res) => {
    const limiterPing = rateLimiter.ping?.bind(rateLimiter);
    const [storeOutcome, limiterOutcome] = await Promise.all([
      runCheck(() => store.ping()),
      limiterPing === undefined ? undefined : runCheck(limiterPing),
    ]);
    record('store', storeOutcome);
    if (limiterOutcome !== undefined) record('rate_limiter', limiterOutcome);

    const body = readiness(storeOutcome.state, limiterOutcome?.state, rateLimiter.failsOpen ?? false);
    res
      .status(body.status === 'unavailable' ? 503 : 200)
      .set('Cache-Control', 'no-store')
      .json(body);
  };
}

interface CheckOutcome {
  readonly state: CheckState;
  readonly error?: unknown;
}

function readiness(
  store: CheckState,
  rateLimiter: CheckState | undefined,
  limiterFailsOpen: boolean,
): ReadinessBody {
  const checks = rateLimiter === undefined ? { store } : { store, rate_limiter: rateLimiter };
  if (store === 'unavailable') return { status: 'unavailable', checks };
  if (rateLimiter === 'unavailable') return { status: limiterFailsOpen ? 'degraded' : 'unavailable', checks };
  return { status: 'ready', checks };
}

async function runCheck(ping: () => Promise<void>): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`ping timed out after ${READY_CHECK_TIMEOUT_MS} ms`)),
      READY_CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([ping(), timeout]);
    return { state: 'ok' };
  } catch (error) {
    return { state: 'unavailable', error };
  } finally {
    clearTimeout(timer);
  }
}
