/** The validating Mutual Rooms server: an Express 5 app over any MembershipStore and RateLimiter. */

export { PostgresStore, type PostgresStoreOptions } from '../store/postgres.js';
export { SqliteStore } from '../store/sqlite.js';
export type {
  ImportStats,
  Membership,
  MembershipRecord,
  MembershipStore,
  MutualRoomsPage,
  MutualRoomsQuery,
} from '../store/types.js';
export { createAccessToken, generateAccessToken, hashAccessToken } from './access-tokens.js';
export { type AppOptions, createApp, type ServerConfig } from './app.js';
export { type RunningServer, type StartServerOptions, startServer } from './listen.js';
export { MATRIX_FORMATS, resolveBasePath } from './openapi.js';
export {
  MemoryRateLimiter,
  type MemoryRateLimiterOptions,
  unlimitedRateLimiter,
} from './rate-limit-memory.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rate-limit-redis.js';
export type { RateLimitDecision, RateLimiter } from './rate-limit-types.js';
export type { EndpointOptions } from './routes.js';
export type { VersionsBody } from './versions-route.js';
