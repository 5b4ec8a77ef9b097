import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../../src/server/rate-limit-redis.js';
import { RateLimiterUnavailableError } from '../../src/server/rate-limit-types.js';
import {
  capturingLogger,
  requireUrl,
  serviceUrl,
  suiteName,
  TcpProxy,
  uniqueKeyPrefix,
  unusedPort,
  waitFor,
} from '../helpers/services.js';

const redisService = serviceUrl('REDIS_URL_TEST');

describe.skipIf(redisService.url === undefined)(suiteName('RedisRateLimiter', redisService), () => {
  let redis: Redis;
  const limiters: RedisRateLimiter[] = [];
  const proxies: TcpProxy[] = [];

  async function limiter(options: Partial<RedisRateLimiterOptions> = {}): Promise<RedisRateLimiter> {
    const created = new RedisRateLimiter({
      url: requireUrl(redisService),
      limit: 3,
      windowMs: 60_000,
      keyPrefix: uniqueKeyPrefix(),
      ...options,
    });
    limiters.push(created);
    await created.ready();
    return created;
  }

  /** Creates a limiter whose Redis is unreachable because nothing listens on its port. */
  async function unreachableLimiter(options: Partial<RedisRateLimiterOptions> = {}) {
    const created = new RedisRateLimiter({
      url: `redis://127.0.0.1:${await unusedPort()}`,
      limit: 1,
      windowMs: 60_000,
      ...options,
    });
    limiters.push(created);
    return created;
  }

  async function proxiedLimiter(options: Partial<RedisRateLimiterOptions> = {}) {
    const proxy = new TcpProxy(requireUrl(redisService));
    proxies.push(proxy);
    await proxy.start();
    const created = await limiter({ url: proxy.urlFor(requireUrl(redisService)), ...options });
    return { limiter: created, proxy };
  }

  beforeAll(() => {
    redis = new Redis(requireUrl(redisService));
  });

  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((created) => created.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  });

  afterAll(async () => {
    await redis?.quit();
  });

  it('allows limit requests then refuses', async () => {
    const only = await limiter({ limit: 3 });

    const decisions = [];
    for (let request = 0; request < 4; request += 1) {
      decisions.push(await only.consume('@alice:example.org'));
    }

    expect(decisions.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(decisions[3]?.allowed).toBe(false);
  });

  it('limit is shared across instances', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const first = await limiter({ keyPrefix, limit: 3 });
    const second = await limiter({ keyPrefix, limit: 3 });

    for (let request = 0; request < 3; request += 1) {
      expect(await first.consume('@alice:example.org')).toEqual({ allowed: true });
    }
    const refused = await second.consume('@alice:example.org');

    expect(refused.allowed).toBe(false);
  });

  it('instances with other prefixes count apart', async () => {
    const first = await limiter({ limit: 1 });
    const second = await limiter({ limit: 1 });

    expect(await first.consume('@alice:example.org')).toEqual({ allowed: true });
    expect(await second.consume('@alice:example.org')).toEqual({ allowed: true });
  });

  it('keys count apart', async () => {
    const only = await limiter({ limit: 1 });

    expect(await only.consume('@alice:example.org')).toEqual({ allowed: true });
    expect(await only.consume('@bob:example.org')).toEqual({ allowed: true });
    expect((await only.consume('@alice:example.org')).allowed).toBe(false);
  });

  it('concurrent requests never exceed the limit', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const instances = [await limiter({ keyPrefix, limit: 10 }), await limiter({ keyPrefix, limit: 10 })];

    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, index) => instances[index % 2]?.consume('@alice:example.org')),
    );

    expect(decisions.filter((decision) => decision?.allowed)).toHaveLength(10);
  });

  it('retryAfterMs is the time left in the window', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const only = await limiter({ keyPrefix, limit: 1, windowMs: 60_000 });
    await only.consume('@alice:example.org');

    const refused = await only.consume('@alice:example.org');
    const ttl = await redis.pttl(`${keyPrefix}@alice:example.org`);

    expect(refused.allowed).toBe(false);
    const retryAfterMs = refused.allowed ? 0 : refused.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(retryAfterMs).toBeGreaterThanOrEqual(ttl);
  });

  it('counter expires with its window', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const only = await limiter({ keyPrefix, limit: 1, windowMs: 60_000 });

    await only.consume('@alice:example.org');

    const ttl = await redis.pttl(`${keyPrefix}@alice:example.org`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('window reset allows requests again', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const only = await limiter({ keyPrefix, limit: 1, windowMs: 200 });
    await only.consume('@alice:example.org');
    expect((await only.consume('@alice:example.org')).allowed).toBe(false);

    await waitFor(async () => (await redis.exists(`${keyPrefix}@alice:example.org`)) === 0);

    expect(await only.consume('@alice:example.org')).toEqual({ allowed: true });
  });

  it('counter without expiry gets one', async () => {
    const keyPrefix = uniqueKeyPrefix();
    await redis.set(`${keyPrefix}@alice:example.org`, '5');
    const only = await limiter({ keyPrefix, limit: 10, windowMs: 60_000 });

    await only.consume('@alice:example.org');

    expect(await redis.pttl(`${keyPrefix}@alice:example.org`)).toBeGreaterThan(0);
    expect(await redis.get(`${keyPrefix}@alice:example.org`)).toBe('6');
  });

  it('ping resolves when Redis answers', async () => {
    const only = await limiter();

    await expect(only.ping()).resolves.toBeUndefined();
  });

  it.each([
    { name: 'limit 0', given: { limit: 0 }, want: 'limit must be a positive integer, got 0' },
    {
      name: 'fractional window',
      given: { windowMs: 1.5 },
      want: 'windowMs must be a positive integer, got 1.5',
    },
  ])('rejects $name', ({ given, want }) => {
    const create = () =>
      new RedisRateLimiter({ url: requireUrl(redisService), limit: 1, windowMs: 1000, ...given });

    expect(create).toThrow(want);
  });

  describe('Redis unreachable', () => {
    it('fail-open allows and warns once per interval', async () => {
      const { logger, records } = capturingLogger();
      const open = await unreachableLimiter({ logger, warningIntervalMs: 600_000 });

      const decisions = [];
      for (let request = 0; request < 5; request += 1) {
        decisions.push(await open.consume('@alice:example.org'));
      }

      expect(decisions).toEqual(Array.from({ length: 5 }, () => ({ allowed: true })));
      const warnings = records.filter((record) => record.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toBe(
        'Redis rate limiter is unavailable; requests are allowed without a rate limit',
      );
    });

    it('fail-open warns again after the interval', async () => {
      const { logger, records } = capturingLogger();
      const open = await unreachableLimiter({ logger, warningIntervalMs: 1 });

      await open.consume('@alice:example.org');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await open.consume('@alice:example.org');

      expect(records.filter((record) => record.level === 40).length).toBeGreaterThanOrEqual(2);
    });

    it('fail-closed raises RateLimiterUnavailableError', async () => {
      const { logger, records } = capturingLogger();
      const closed = await unreachableLimiter({ failOpen: false, logger });

      const attempt = closed.consume('@alice:example.org');

      await expect(attempt).rejects.toBeInstanceOf(RateLimiterUnavailableError);
      await expect(attempt).rejects.toThrow(/^Redis rate limiter is unavailable: /);
      expect(records.filter((record) => record.level === 40)[0]?.msg).toBe(
        'Redis rate limiter is unavailable; rate-limited requests fail with 503',
      );
    });

    it('ping raises RateLimiterUnavailableError', async () => {
      const open = await unreachableLimiter();

      await expect(open.ping()).rejects.toBeInstanceOf(RateLimiterUnavailableError);
    });

    it('ready rejects after its timeout', async () => {
      const open = await unreachableLimiter();

      await expect(open.ready(100)).rejects.toThrow('Redis was not ready within 100 ms');
    });

    it('hung Redis fails open after the command timeout', async () => {
      const { limiter: open, proxy } = await proxiedLimiter({ limit: 1, commandTimeoutMs: 200 });
      await open.consume('@alice:example.org');

      proxy.freeze();

      expect(await open.consume('@alice:example.org')).toEqual({ allowed: true });
    });

    it('limits again once Redis is back', async () => {
      const { logger, records } = capturingLogger();
      const { limiter: open, proxy } = await proxiedLimiter({ limit: 1, logger });
      expect(await open.consume('@alice:example.org')).toEqual({ allowed: true });

      await proxy.stop();
      expect(await open.consume('@alice:example.org')).toEqual({ allowed: true });
      await proxy.start();
      await open.ready(10_000);

      expect((await open.consume('@alice:example.org')).allowed).toBe(false);
      expect(records.some((record) => record.msg === 'Redis rate limiter is available again')).toBe(true);
    }, 20_000);

    it('close is idempotent while unreachable', async () => {
      const open = await unreachableLimiter();

      await open.close();

      await expect(open.close()).resolves.toBeUndefined();
    });
  });
});
