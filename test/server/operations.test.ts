import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/listen.js';
import { RedisRateLimiter } from '../../src/server/rate-limit-redis.js';
import type { MembershipStore } from '../../src/store/types.js';
import { bearer, callApi, mutualRoomsUrl } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import { unusedPort } from '../helpers/services.js';
import { storeFactories } from '../helpers/stores.js';
import { ALICE, BOB, loadFixture } from './fixtures.js';

const STABLE_ROUTE = '/_matrix/client/v1/mutual_rooms';

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Returns the value of the sample `name{labels}` in Prometheus text, or undefined. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const expected = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of metrics.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter((pair) => pair !== '');
    if (expected.every((pair) => present.includes(pair)) && present.length === expected.length) {
      return Number(match[3]);
    }
  }
  return undefined;
}

/** Creates a Redis rate limiter whose Redis is unreachable, because nothing listens on its port. */
async function unreachableLimiter(failOpen: boolean): Promise<RedisRateLimiter> {
  return new RedisRateLimiter({
    url: `redis://127.0.0.1:${await unusedPort()}`,
    limit: 10,
    windowMs: 60_000,
    failOpen,
    connectTimeoutMs: 200,
    commandTimeoutMs: 200,
  });
}

describe.each(storeFactories)('health endpoints on the $name store', (factory) => {
  const servers: RunningServer[] = [];
  const limiters: RedisRateLimiter[] = [];

  async function serve(store: MembershipStore, options: Parameters<typeof startTestServer>[1] = {}) {
    const server = await startTestServer(store, options);
    servers.push(server);
    return server;
  }

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await factory.cleanup();
  });

  it('live answers 200 without touching the store', async () => {
    const store = await factory.create();
    const server = await serve(store);
    await store.close();

    const live = await getJson(`${server.url}/health/live`);

    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'live' });
    expect(live.headers.get('cache-control')).toBe('no-store');
  });

  it('ready answers 200 with the store check', async () => {
    const server = await serve(await factory.create());

    const ready = await getJson(`${server.url}/health/ready`);

    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { store: 'ok' } });
  });

  it('ready answers 503 naming a store that fails', async () => {
    const logs = captureLogs();
    const store = await factory.create();
    const server = await serve(store, { logger: logs.logger });
    await store.close();

    const first = await getJson(`${server.url}/health/ready`);
    const second = await getJson(`${server.url}/health/ready`);

    expect(first.status).toBe(503);
    expect(first.body).toEqual({ status: 'unavailable', checks: { store: 'unavailable' } });
    expect(second.status).toBe(503);
    const warnings = logs.lines().filter((line) => line.msg === 'readiness check failed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, check: 'store' });
  });

  it.each([
    { failOpen: false, status: 503, want: 'unavailable' },
    { failOpen: true, status: 200, want: 'degraded' },
  ])('ready with Redis down and failOpen $failOpen answers $status', async ({ failOpen, status, want }) => {
    const rateLimiter = await unreachableLimiter(failOpen);
    limiters.push(rateLimiter);
    const server = await serve(await factory.create(), { rateLimiter });

    const ready = await getJson(`${server.url}/health/ready`);

    expect(ready.status).toBe(status);
    expect(ready.body).toEqual({ status: want, checks: { store: 'ok', rate_limiter: 'unavailable' } });
  });
});

describe.each(storeFactories)('metrics on the $name store', (factory) => {
  let store: MembershipStore;
  let server: RunningServer;
  let other: RunningServer;
  let alice: string;

  beforeAll(async () => {
    store = await factory.create();
    alice = (await loadFixture(store)).alice;
    server = await startTestServer(store);
    other = await startTestServer(store);
  });

  afterAll(async () => {
    await server.close();
    await other.close();
    await factory.cleanup();
  });

  async function scrape(url: string): Promise<{ contentType: string | null; text: string }> {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    return { contentType: response.headers.get('content-type'), text: await response.text() };
  }

  it('counts requests by method, route and status', async () => {
    expect((await callApi(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice))).status).toBe(200);
    expect((await callApi(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice))).status).toBe(200);
    expect((await callApi(mutualRoomsUrl(server.url, { user_id: BOB }))).status).toBe(401);
    expect((await callApi(mutualRoomsUrl(server.url, { user_id: ALICE }), bearer(alice))).status).toBe(400);
    expect((await callApi(`${server.url}/no/such/path/${Math.random()}`)).status).toBe(404);

    const { contentType, text } = await scrape(server.url);

    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const count = (route: string, status: string) =>
      sample(text, 'mutual_rooms_http_requests_total', { method: 'GET', route, status });
    expect(count(STABLE_ROUTE, '200')).toBe(2);
    expect(count(STABLE_ROUTE, '401')).toBe(1);
    expect(count(STABLE_ROUTE, '400')).toBe(1);
    expect(count('unmatched', '404')).toBe(1);
  });

  it('records latency in a histogram', async () => {
    await callApi(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice));

    const { text } = await scrape(server.url);

    const labels = { method: 'GET', route: STABLE_ROUTE, status: '200' };
    const observed = sample(text, 'mutual_rooms_http_request_duration_seconds_count', labels);
    const inf = sample(text, 'mutual_rooms_http_request_duration_seconds_bucket', { le: '+Inf', ...labels });
    expect(observed).toBeGreaterThanOrEqual(1);
    expect(inf).toBe(observed);
    expect(sample(text, 'mutual_rooms_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it('counts the scrape itself as in flight', async () => {
    const { text } = await scrape(server.url);

    expect(sample(text, 'mutual_rooms_http_requests_in_flight')).toBe(1);
  });

  it('keeps the metrics of each app apart', async () => {
    const { text } = await scrape(other.url);

    expect(
      sample(text, 'mutual_rooms_http_requests_total', { method: 'GET', route: STABLE_ROUTE, status: '200' }),
    ).toBe(undefined);
    expect(
      sample(text, 'mutual_rooms_http_requests_total', { method: 'GET', route: '/metrics', status: '200' }),
    ).toBe(undefined);
  });

  it('reports store pool usage when the store has a pool', async () => {
    await callApi(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice));

    const { text } = await scrape(server.url);

    const idle = sample(text, 'mutual_rooms_store_pool_connections', { state: 'idle' });
    const inUse = sample(text, 'mutual_rooms_store_pool_connections', { state: 'in_use' });
    const waiting = sample(text, 'mutual_rooms_store_pool_waiting_queries');
    const stats = store.poolStats?.();
    if (stats === undefined) {
      expect([idle, inUse, waiting]).toEqual([undefined, undefined, undefined]);
      return;
    }
    expect(idle).toBeGreaterThanOrEqual(1);
    expect(inUse).toBe(0);
    expect(waiting).toBe(0);
  });
});
