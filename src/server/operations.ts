import { Router } from 'express';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { MembershipStore } from '../store/types.js';
import { createReadyHandler, liveHandler } from './health.js';
import { createRequestMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit-types.js';

export interface OperationsOptions {
  readonly store: MembershipStore;
  readonly rateLimiter: RateLimiter;
  readonly logger: Logger;
  /** Registry that receives the request metrics and that `/metrics` exposes; a new one when omitted. */
  readonly metrics?: Registry;
}

/**
 * Returns the router for operators: it records request metrics for every request that passes
 * through the app and serves `GET /health/live`, `GET /health/ready` and `GET /metrics`
 * (Prometheus text format).
 */
export function operationsRouter(options: OperationsOptions): Router {
  const metrics = createRequestMetrics(options.metrics ?? new Registry(), options.store);
  // Exact paths, as under /_matrix: /HEALTH/LIVE and /health/live/ are not served.
  const router = Router({ caseSensitive: true, strict: true });
  router.use(metrics.middleware);
  router.get('/health/live', liveHandler);
  router.get('/health/ready', createReadyHandler(options.store, options.rateLimiter, options.logger));
  router.get('/metrics', metrics.handler);
  return router;
}
