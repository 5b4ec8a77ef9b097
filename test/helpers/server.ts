import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type RunningServer, startServer } from '../../src/server/listen.js';
import { MemoryRateLimiter } from '../../src/server/rate-limit-memory.js';
import type { RateLimiter } from '../../src/server/rate-limit-types.js';
import type { EndpointOptions } from '../../src/server/routes.js';
import type { MembershipStore } from '../../src/store/types.js';

export interface TestServerOptions {
  readonly pageSize?: number;
  readonly tokenTtlSeconds?: number;
  readonly rateLimiter?: RateLimiter;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly secret?: Buffer;
  /** Request and response validation against the spec; on by default. */
  readonly validation?: boolean;
  readonly endpoints?: EndpointOptions;
}

/** Starts the real server on 127.0.0.1 and a free port, with a generous rate limit by default. */
export async function startTestServer(
  store: MembershipStore,
  options: TestServerOptions = {},
): Promise<RunningServer> {
  return startServer({
    store,
    rateLimiter: options.rateLimiter ?? new MemoryRateLimiter({ limit: 1_000_000, windowMs: 60_000 }),
    logger: options.logger,
    now: options.now,
    validation: options.validation,
    endpoints: options.endpoints,
    config: {
      secret: options.secret ?? randomBytes(32),
      pageSize: options.pageSize ?? 100,
      tokenTtlSeconds: options.tokenTtlSeconds ?? 600,
    },
    host: '127.0.0.1',
    port: 0,
  });
}
