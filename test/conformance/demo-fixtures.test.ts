import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, runConformance } from '../../src/conformance/index.js';
import { DEMO_PAIR, demoMemberships } from '../../src/demo/dataset.js';
import {
  createAccessToken,
  MemoryRateLimiter,
  type RunningServer,
  startServer,
} from '../../src/server/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const FIXTURES = resolve(import.meta.dirname, '../../src/demo/conformance-fixtures.yaml');
const PAGE_SIZE = 100;

let folder: string;
let store: SqliteStore;
let server: RunningServer;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'conformance-demo-'));
  store = SqliteStore.open(join(folder, 'mutual-rooms.db'));
  await store.importMemberships(demoMemberships(PAGE_SIZE));
  server = await startServer({
    store,
    rateLimiter: new MemoryRateLimiter({ limit: 600, windowMs: 60_000 }),
    config: { secret: Buffer.alloc(32, 3), pageSize: PAGE_SIZE, tokenTtlSeconds: 600 },
    host: '127.0.0.1',
    port: 0,
  });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('demo conformance fixtures', () => {
  it('pass every check against the demo dataset', async () => {
    const report = await runConformance({
      baseUrl: server.url,
      token: await createAccessToken(store, DEMO_PAIR.requester),
      tokenB: await createAccessToken(store, DEMO_PAIR.userId),
      fixtures: await loadFixtures(FIXTURES),
    });
    const failed = report.checks.filter((result) => result.status === 'fail').map((result) => result.id);
    expect(failed).toEqual([]);
    const membership = report.checks.find((result) => result.id === 'membership.join-only');
    expect(membership?.status).toBe('pass');
  });
});
