import express, { type Express, type RequestHandler } from 'express';
import { type Logger, pino } from 'pino';
import type { Registry } from 'prom-client';
import { matrixErrors } from '../matrix/errors.js';
import type { MembershipStore } from '../store/types.js';
import { Authenticator } from './auth.js';
import { cors } from './cors.js';
import { createErrorHandler, methodNotAllowed } from './error-handler.js';
import { createHttpLogger, createRedactingLogger } from './logging.js';
import { mutualRoomsRoute } from './mutual-rooms-route.js';
import { checkSecurityRequirements, createValidatorMiddleware } from './openapi.js';
import { operationsRouter } from './operations.js';
import { encodeQueryStrictly, parseQueryString } from './query-string.js';
import type { RateLimiter } from './rate-limit-types.js';
import { type EndpointOptions, routePath, selectRoutes } from './routes.js';
import { VERSIONS_PATH, versionsRoute } from './versions-route.js';

/** Settings of the API itself; the CLI builds them from options and environment variables. */
export interface ServerConfig {
  /** HMAC key for `next_batch` tokens, at least 32 bytes. */
  readonly secret: Buffer;
  /** Rooms per page. */
  readonly pageSize: number;
  /** Seconds a `next_batch` token stays valid. */
  readonly tokenTtlSeconds: number;
}

/** Options of `createApp`. The caller owns the store and the rate limiter, and opens and closes them. */
export interface AppOptions {
  readonly store: MembershipStore;
  readonly rateLimiter: RateLimiter;
  /** Request and error log; silent when omitted. */
  readonly logger?: Logger;
  readonly config: ServerConfig;
  /** Clock in ms since the Unix epoch, for token expiry; tests pass their own. */
  readonly now?: () => number;
  /**
   * Whether express-openapi-validator checks requests and responses against the spec; default
   * true. With false, authentication, the query checks and every error response stay the same,
   * but a 200 body off the spec is sent unchecked. Turning it off measures what validation costs.
   */
  readonly validation?: boolean;
  /** Switches for the Mutual Rooms paths to route and advertise in `GET /_matrix/client/versions`. */
  readonly endpoints?: EndpointOptions;
  /** Registry of the request metrics that `GET /metrics` serves; a new one per app when omitted. */
  readonly metrics?: Registry;
}

/**
 * Creates the Express 5 app serving the Mutual Rooms API under the spec's base path and the
 * MSC2666 unstable path, and `GET /_matrix/client/versions`. Unless `validation` is false, every
 * request and response of the Mutual Rooms paths is validated against `generated/openapi.json`.
 * It also serves `GET /health/live`, `/health/ready` and `/metrics` for operators. Other paths
 * outside `/_matrix` fall through, so the app can be mounted into another Express app.
 */
export function createApp(options: AppOptions): Express {
  checkConfig(options.config);
  checkSecurityRequirements();
  const routes = selectRoutes(options.endpoints);
  const auth = new Authenticator(options.store);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Matrix paths are case-sensitive and have no trailing slash, but Express matches loosely by default.
  // express-openapi-validator reads both settings from the app for its own route lookup.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('query parser', parseQueryString);

  const logger = createRedactingLogger(options.logger ?? pino({ level: 'silent' }));
  app.use(operationsRouter({ ...options, logger }));
  app.use('/_matrix', createHttpLogger(logger), cors);
  app.all(VERSIONS_PATH, getOnly(versionsRoute(routes)));
  app.use(auth.middleware(routes.map(routePath)));
  if (options.validation ?? true) {
    app.use(encodeQueryStrictly, createValidatorMiddleware(routes.map((route) => route.basePath)));
  }
  for (const route of routes) {
    const handler = mutualRoomsRoute({
      kind: route.kind,
      store: options.store,
      auth,
      rateLimiter: options.rateLimiter,
      secret: options.config.secret,
      pageSize: options.config.pageSize,
      tokenTtlSeconds: options.config.tokenTtlSeconds,
      now: options.now ?? Date.now,
    });
    app.all(routePath(route), getOnly(handler));
  }
  app.use('/_matrix', (req, _res, next) => {
    next(matrixErrors.unrecognized(`Unrecognized request: no endpoint at ${req.originalUrl.split('?')[0]}`));
  });
  app.use(createErrorHandler());
  return app;
}

/**
 * Runs `handler` for GET and rejects every other method, HEAD included, with 405 and `Allow: GET`,
 * as the validator does on the spec's paths. The CORS middleware has already handled OPTIONS.
 */
function getOnly(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET') {
      next(methodNotAllowed(req, 'GET'));
      return;
    }
    return handler(req, res, next);
  };
}

function checkConfig(config: ServerConfig): void {
  if (config.secret.length < 32) {
    throw new RangeError(
      `the pagination token secret must have at least 32 bytes, got ${config.secret.length}`,
    );
  }
  if (!Number.isInteger(config.pageSize) || config.pageSize < 1) {
    throw new RangeError(`page size must be a positive integer, got ${config.pageSize}`);
  }
  if (!Number.isInteger(config.tokenTtlSeconds) || config.tokenTtlSeconds < 1) {
    throw new RangeError(
      `token lifetime must be a positive number of seconds, got ${config.tokenTtlSeconds}`,
    );
  }
}
