import type { Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MembershipStore } from '../store/types.js';

/** Route label of requests that matched no route, so unknown paths cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Histogram buckets in seconds, from a fast page read to the 15 s client-side query timeout. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** The request metrics of one app: the middleware that records them and the `/metrics` handler. */
export interface RequestMetrics {
  readonly middleware: RequestHandler;
  readonly handler: RequestHandler;
}

/**
 * Registers the metrics of one app in `registry`: requests and their latency by method, route and
 * status, requests in flight, and the store's pool usage when the store has a pool. Metric names
 * are unique per registry, so each app needs a registry of its own.
 */
export function createRequestMetrics(registry: Registry, store: MembershipStore): RequestMetrics {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'mutual_rooms_http_requests_total',
    help: 'HTTP requests whose response was sent, by method, route and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mutual_rooms_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by method, route and status',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'mutual_rooms_http_requests_in_flight',
    help: 'HTTP requests received whose response has not finished and was not aborted',
    registers: [registry],
  });
  registerPoolGauges(registry, store);

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    inFlight.inc();
    res.once('close', () => inFlight.dec());
    res.once('finish', () => {
      const labels = { method: req.method, route: routeLabel(req, res), status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    const text = await registry.metrics();
    res.type(registry.contentType).send(text);
  };
  return { middleware, handler };
}

/** Open, idle and waiting counts of the store's connection pool, read at each scrape. */
function registerPoolGauges(registry: Registry, store: MembershipStore): void {
  const poolStats = store.poolStats?.bind(store);
  if (poolStats === undefined) return;

  new Gauge({
    name: 'mutual_rooms_store_pool_connections',
    help: 'Open connections of the store pool, by state: idle or in_use',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = poolStats();
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'in_use' }, stats.total - stats.idle);
    },
  });
  new Gauge({
    name: 'mutual_rooms_store_pool_waiting_queries',
    help: 'Queries waiting for a free connection of the store pool',
    registers: [registry],
    collect() {
      this.set(poolStats().waiting);
    },
  });
}

/**
 * Returns the route pattern that handled `req`. A request rejected before its route ran is
 * labelled with the path that authentication or the OpenAPI validator matched (401, 400).
 */
function routeLabel(req: Request, res: Response): string {
  const routePath: unknown = req.route?.path ?? res.locals.route;
  if (typeof routePath === 'string') return routePath;
  const openApiRoute = (req as Request & { openapi?: { openApiRoute?: unknown } }).openapi?.openApiRoute;
  if (typeof openApiRoute === 'string') return openApiRoute;
  return UNMATCHED_ROUTE;
}
