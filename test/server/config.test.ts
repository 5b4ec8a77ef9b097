import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadDbPath,
  loadServeConfig,
  loadStoreConfig,
  redactUrlPassword,
} from '../../src/server/config.js';
import { resolveSecret } from '../../src/server/secret.js';
import { storeFactories } from '../helpers/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'mutual-rooms-config-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, `  ${'s'.repeat(40)}\n`);
const shortSecretFile = join(dir, 'short');
writeFileSync(shortSecretFile, 'short');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serve configuration', () => {
  it('uses the defaults', () => {
    expect(loadServeConfig({}, {})).toEqual({
      db: './data/mutual-rooms.db',
      databaseUrl: undefined,
      dbPoolSize: 10,
      host: '127.0.0.1',
      port: 8008,
      pageSize: 100,
      tokenTtlSeconds: 600,
      rateLimit: 600,
      rateLimitWindowSeconds: 60,
      redisUrl: undefined,
      rateLimitFail: 'open',
      secret: undefined,
      logLevel: 'info',
      shutdownTimeoutSeconds: 25,
      validate: true,
    });
  });

  it('reads environment variables', () => {
    const config = loadServeConfig(
      {},
      {
        MUTUAL_ROOMS_DB: '/tmp/x.db',
        MUTUAL_ROOMS_HOST: '0.0.0.0',
        MUTUAL_ROOMS_PORT: '9000',
        MUTUAL_ROOMS_PAGE_SIZE: '7',
        MUTUAL_ROOMS_TOKEN_TTL_SECONDS: '3600',
        MUTUAL_ROOMS_RATE_LIMIT: '0',
        MUTUAL_ROOMS_RATE_LIMIT_WINDOW_SECONDS: '10',
        MUTUAL_ROOMS_SECRET: 'x'.repeat(32),
        LOG_LEVEL: 'debug',
      },
    );
    expect(config).toMatchObject({
      db: '/tmp/x.db',
      host: '0.0.0.0',
      port: 9000,
      pageSize: 7,
      tokenTtlSeconds: 3600,
    });
    expect(config).toMatchObject({ rateLimit: 0, rateLimitWindowSeconds: 10, logLevel: 'debug' });
    expect(config.secret?.toString()).toBe('x'.repeat(32));
  });

  it('prefers options over environment variables', () => {
    const config = loadServeConfig(
      { port: '1234', db: 'a.db' },
      { MUTUAL_ROOMS_PORT: '9000', MUTUAL_ROOMS_DB: 'b.db' },
    );
    expect(config.port).toBe(1234);
    expect(loadDbPath({ db: 'a.db' }, { MUTUAL_ROOMS_DB: 'b.db' })).toBe('a.db');
    expect(loadDbPath({}, { MUTUAL_ROOMS_DB: 'b.db' })).toBe('b.db');
  });

  it('reads the secret file, trimmed, before MUTUAL_ROOMS_SECRET', () => {
    const config = loadServeConfig({ 'secret-file': secretFile }, { MUTUAL_ROOMS_SECRET: 'y'.repeat(32) });
    expect(config.secret?.toString()).toBe('s'.repeat(40));
  });

  it.each([
    ['port not a number', { port: 'http' }, {}, '--port must be an integer from 0 to 65535, got "http"'],
    ['port too large', {}, { MUTUAL_ROOMS_PORT: '70000' }, 'MUTUAL_ROOMS_PORT must be an integer'],
    ['page size zero', { 'page-size': '0' }, {}, '--page-size must be an integer from 1'],
    ['negative lifetime', { 'token-ttl': '-5' }, {}, '--token-ttl must be an integer'],
    [
      'fractional rate limit',
      {},
      { MUTUAL_ROOMS_RATE_LIMIT: '1.5' },
      'MUTUAL_ROOMS_RATE_LIMIT must be an integer',
    ],
    ['unknown log level', {}, { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of'],
    ['short secret', {}, { MUTUAL_ROOMS_SECRET: 'short' }, 'needs at least 32'],
    ['short secret file', { 'secret-file': shortSecretFile }, {}, 'needs at least 32'],
    ['missing secret file', { 'secret-file': join(dir, 'absent') }, {}, 'cannot read the file'],
  ])('rejects %s', (_name, values, env, message) => {
    expect(() => loadServeConfig(values, env)).toThrow(ConfigError);
    expect(() => loadServeConfig(values, env)).toThrow(message);
  });
});

describe('PostgreSQL and Redis configuration', () => {
  const secret = { MUTUAL_ROOMS_SECRET: 'z'.repeat(32) };
  const databaseUrl = 'postgres://app:hunter2@db.internal:5432/rooms';

  it('reads the database, pool, Redis and shutdown settings from the environment', () => {
    const config = loadServeConfig(
      {},
      {
        ...secret,
        DATABASE_URL: databaseUrl,
        MUTUAL_ROOMS_DB_POOL_SIZE: '25',
        REDIS_URL: 'redis://cache.internal:6379/2',
        MUTUAL_ROOMS_RATE_LIMIT_FAIL: 'closed',
        MUTUAL_ROOMS_SHUTDOWN_TIMEOUT_SECONDS: '5',
      },
    );
    expect(config).toMatchObject({
      databaseUrl,
      dbPoolSize: 25,
      redisUrl: 'redis://cache.internal:6379/2',
      rateLimitFail: 'closed',
      shutdownTimeoutSeconds: 5,
    });
  });

  it('prefers the options', () => {
    const config = loadServeConfig(
      { 'database-url': 'postgresql://a@h/d', 'db-pool-size': '3', 'redis-url': 'rediss://r:6380' },
      { ...secret, DATABASE_URL: databaseUrl, MUTUAL_ROOMS_DB_POOL_SIZE: '25', REDIS_URL: 'redis://x' },
    );
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://a@h/d',
      dbPoolSize: 3,
      redisUrl: 'rediss://r:6380',
    });
  });

  it('gives import and token create the same store settings', () => {
    expect(
      loadStoreConfig({ 'db-pool-size': '2' }, { DATABASE_URL: databaseUrl, MUTUAL_ROOMS_DB: 'x.db' }),
    ).toEqual({
      db: 'x.db',
      databaseUrl,
      dbPoolSize: 2,
    });
  });

  it.each([
    [
      'database URL of another scheme',
      { DATABASE_URL: 'mysql://app:hunter2@h/d' },
      'DATABASE_URL must be a PostgreSQL URL',
    ],
    ['database URL without a scheme', { DATABASE_URL: 'hunter2@h/d' }, 'got a value without a scheme'],
    ['Redis URL of another scheme', { REDIS_URL: 'http://app:hunter2@h' }, 'REDIS_URL must be a Redis URL'],
    [
      'pool size zero',
      { MUTUAL_ROOMS_DB_POOL_SIZE: '0' },
      'MUTUAL_ROOMS_DB_POOL_SIZE must be an integer from 1 to 1000',
    ],
    [
      'unknown failure mode',
      { MUTUAL_ROOMS_RATE_LIMIT_FAIL: 'maybe' },
      'must be one of open, closed, got "maybe"',
    ],
    [
      'shutdown timeout zero',
      { MUTUAL_ROOMS_SHUTDOWN_TIMEOUT_SECONDS: '0' },
      'must be an integer from 1 to 3600',
    ],
  ])('rejects %s without echoing a password', (_name, env, message) => {
    expect(() => loadServeConfig({}, { ...secret, ...env })).toThrow(message);
    expect(() => loadServeConfig({}, { ...secret, ...env })).not.toThrow('hunter2');
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: databaseUrl }, {}],
    ['REDIS_URL', { REDIS_URL: 'redis://cache.internal:6379' }, {}],
    ['--database-url', {}, { 'database-url': databaseUrl }],
  ])('requires an explicit secret with %s', (source, env, values) => {
    expect(() => loadServeConfig(values, env)).toThrow(ConfigError);
    expect(() => loadServeConfig(values, env)).toThrow(
      `${source} is set, so every instance needs the same next_batch signing secret`,
    );
    expect(() => loadServeConfig(values, env)).toThrow('Set MUTUAL_ROOMS_SECRET');
    expect(() => loadServeConfig(values, env)).toThrow('openssl rand -base64 48');
  });

  it('accepts a secret file with PostgreSQL and Redis', () => {
    const config = loadServeConfig(
      { 'secret-file': secretFile },
      { DATABASE_URL: databaseUrl, REDIS_URL: 'redis://cache.internal:6379' },
    );
    expect(config.secret?.toString()).toBe('s'.repeat(40));
  });

  it.each([
    ['postgres://app:hunter2@db:5432/rooms', 'postgres://app:***@db:5432/rooms'],
    ['redis://:hunter2@cache:6379', 'redis://:***@cache:6379'],
    ['postgres://app@db/rooms', 'postgres://app@db/rooms'],
    ['not a URL', '<unparsable URL>'],
  ])('redacts the password of %s', (url, want) => {
    expect(redactUrlPassword(url)).toBe(want);
  });
});

describe.each(storeFactories)('pagination secret on the $name store', (factory) => {
  afterAll(() => factory.cleanup());

  it('prefers the configured secret', async () => {
    const store = await factory.create();
    const configured = Buffer.alloc(32, 7);
    expect(await resolveSecret(configured, store)).toEqual({ secret: configured, source: 'configured' });
  });

  it.runIf(factory.storesServerSecret)('creates one secret in the store and keeps it', async () => {
    const store = await factory.create();
    const first = await resolveSecret(undefined, store);
    const second = await resolveSecret(undefined, store);
    expect(first.source).toBe('store');
    expect(first.secret).toHaveLength(32);
    expect(second.secret.equals(first.secret)).toBe(true);
  });

  it.skipIf(factory.storesServerSecret)('falls back to a secret of this process', async () => {
    const store = await factory.create();
    const first = await resolveSecret(undefined, store);
    const second = await resolveSecret(undefined, store);
    expect(first.source).toBe('process');
    expect(first.secret).toHaveLength(32);
    expect(second.secret.equals(first.secret)).toBe(false);
  });
});
