/** The four server variants of the HTTP comparison, each over the same store and settings. */
import { startServer, unlimitedRateLimiter } from '../src/server/index.js';
import type { MembershipStore } from '../src/store/types.js';
import type { BenchServer } from './bare-server.js';
import { startBareServer } from './bare-server.js';
import { startFastifyServer } from './fastify-server.js';
import type { PageConfig } from './page.js';

export type Variant = 'express-validated' | 'express-unvalidated' | 'node-http' | 'fastify';

export const VARIANTS: readonly Variant[] = [
  'express-validated',
  'express-unvalidated',
  'node-http',
  'fastify',
];

export const VARIANT_LABELS: Readonly<Record<Variant, string>> = {
  'express-validated': '(a) Express server, request and response validation',
  'express-unvalidated': '(b) Express server, validation off',
  'node-http': '(c) bare node:http handler',
  fastify: '(d) Fastify 5, Ajv validation of query and response',
};

export function isVariant(value: string): value is Variant {
  return (VARIANTS as readonly string[]).includes(value);
}

/** Starts `variant` on 127.0.0.1 at a free port. Rate limiting is off in every variant. */
export async function startVariant(
  variant: Variant,
  store: MembershipStore,
  config: PageConfig,
): Promise<BenchServer> {
  const options = { store, rateLimiter: unlimitedRateLimiter, config, host: '127.0.0.1', port: 0 };
  switch (variant) {
    case 'express-validated':
      return startServer(options);
    case 'express-unvalidated':
      return startServer({ ...options, validation: false });
    case 'node-http':
      return startBareServer(store, config);
    case 'fastify':
      return startFastifyServer(store, config);
  }
}
