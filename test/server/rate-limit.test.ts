import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { MemoryRateLimiter } from '../../src/server/rate-limit-memory.js';
import { RedisRateLimiter } from '../../src/server/rate-limit-redis.js';
import { bearer, callApi, mutualRoomsUrl } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

describe('MemoryRateLimiter', () => {
  it('allows the limit per window, then reports the wait', async () => {
    const clock = { now: 1_000 };
    const limiter = new MemoryRateLimiter({ limit: 2, windowMs: 10_000, now: () => clock.now });
    expect(await limiter.consume('a')).toEqual({ allowed: true });
    clock.now += 4_000;
    expect(await limiter.consume('a')).toEqual({ allowed: true });
    expect(await limiter.consume('a')).toEqual({ allowed: false, retryAfterMs: 6_000 });
    expect(await limiter.consume('b')).toEqual({ allowed: true });
    clock.now += 6_000;
    expect(await limiter.consume('a')).toEqual({ allowed: true });
  });

  it('drops expired windows of idle keys', async () => {
    const clock = { now: 0 };
    const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 10, now: () => clock.now });
    for (let i = 0; i < 5000; i += 1) {
      clock.now += 1;
      await limiter.consume(`key-${i}`);
    }
    // Sweeps run every 1024 calls, so at most 1024 keys plus one window's worth remain.
    expect(limiter.size).toBeLessThanOrEqual(1024 + 10);
    expect(await limiter.consume('key-4999')).toMatchObject({ allowed: false });
  });

  it.each([[{ limit: 0, windowMs: 1000 }], [{ limit: 1.5, windowMs: 1000 }], [{ limit: 1, windowMs: 0 }]])(
    'rejects options %o',
    (options) => {
      expect(() => new MemoryRateLimiter(options)).toThrow(RangeError);
    },
  );
});

describe.each(storeFactories)('rate limiting over HTTP on the $name store', (factory) => {
  const clock = { now: 0 };
  let server: RunningServer;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    const store = await factory.create();
    alice = await createAccessToken(store, '@alice:example.org');
    bob = await createAccessToken(store, '@bob:example.org');
    const rateLimiter = new MemoryRateLimiter({ limit: 2, windowMs: 60_000, now: () => clock.now });
    server = await startTestServer(store, { rateLimiter });
  });

  afterAll(async () => {
    await server.close();
    await factory.cleanup();
  });

  it('sends 429 with retry_after_ms and Retry-After per user', async () => {
    const url = mutualRoomsUrl(server.url, { user_id: '@carol:example.org' });
    expect((await callApi(url, bearer(alice))).status).toBe(200);
    clock.now += 1_500;
    expect((await callApi(url, bearer(alice))).status).toBe(200);

    const limited = await callApi(url, bearer(alice));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 58_500 });
    expect(limited.headers.get('retry-after')).toBe('59');

    expect((await callApi(url, bearer(bob))).status).toBe(200);
    clock.now += 58_500;
    expect((await callApi(url, bearer(alice))).status).toBe(200);
  });
});

describe.each(storeFactories)('unavailable rate limiter on the $name store', (factory) => {
  let server: RunningServer;
  let rateLimiter: RedisRateLimiter;
  let alice: string;

  beforeAll(async () => {
    const store = await factory.create();
    alice = await createAccessToken(store, '@alice:example.org');
    // Nothing listens on port 1 of the loopback interface, so every consume fails.
    rateLimiter = new RedisRateLimiter({
      url: 'redis://127.0.0.1:1',
      limit: 10,
      windowMs: 60_000,
      failOpen: false,
      connectTimeoutMs: 200,
      commandTimeoutMs: 200,
    });
    server = await startTestServer(store, { rateLimiter });
  });

  afterAll(async () => {
    await server.close();
    await rateLimiter.close();
    await factory.cleanup();
  });

  it('answers 503 M_UNKNOWN when the limiter fails closed', async () => {
    const response = await callApi(
      mutualRoomsUrl(server.url, { user_id: '@bob:example.org' }),
      bearer(alice),
    );
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      errcode: 'M_UNKNOWN',
      error: 'Service temporarily unavailable; retry later',
    });
    expect(response.headers.get('retry-after')).toBe('1');
  });
});
