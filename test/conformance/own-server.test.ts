import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runConformanceCommand } from '../../src/cli/conformance.js';
import { CHECK_IDS } from '../../src/conformance/index.js';
import {
  createAccessToken,
  MemoryRateLimiter,
  type RunningServer,
  startServer,
} from '../../src/server/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { MembershipRecord } from '../../src/store/types.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const SHARED = [
  '!shared1:example.org',
  '!shared2:example.org',
  '!shared3:example.org',
  '!shared4:example.org',
  '!shared5:example.org',
];
const NON_JOIN = [
  { roomId: '!invite:example.org', a: 'join', b: 'invite' },
  { roomId: '!leave:example.org', a: 'leave', b: 'join' },
  { roomId: '!ban:example.org', a: 'join', b: 'ban' },
  { roomId: '!knock:example.org', a: 'knock', b: 'join' },
] as const;

let folder: string;
let store: SqliteStore;
let server: RunningServer;
let tokenA: string;
let tokenB: string;

async function* records(): AsyncIterable<MembershipRecord> {
  for (const roomId of SHARED) {
    yield { roomId, userId: ALICE, membership: 'join' };
    yield { roomId, userId: BOB, membership: 'join' };
  }
  for (const room of NON_JOIN) {
    yield { roomId: room.roomId, userId: ALICE, membership: room.a };
    yield { roomId: room.roomId, userId: BOB, membership: room.b };
  }
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'conformance-own-server-'));
  store = SqliteStore.open(join(folder, 'mutual-rooms.db'));
  await store.importMemberships(records());
  tokenA = await createAccessToken(store, ALICE);
  tokenB = await createAccessToken(store, BOB);
  server = await startServer({
    store,
    // The clock is frozen, so the window never ends. The checks' own requests stay below the
    // limit, and the --rate-limit burst always exceeds it.
    rateLimiter: new MemoryRateLimiter({ limit: 150, windowMs: 60_000, now: () => 0 }),
    config: { secret: Buffer.alloc(32, 7), pageSize: 2, tokenTtlSeconds: 600 },
    host: '127.0.0.1',
    port: 0,
  });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('conformance checker against the project server', () => {
  it('passes every check and writes JUnit with one testcase per check', async () => {
    const fixtures = join(folder, 'fixtures.json');
    writeFileSync(
      fixtures,
      JSON.stringify({
        users: { a: { userId: ALICE }, b: { userId: BOB } },
        sharedRooms: SHARED,
        nonJoinRooms: NON_JOIN,
      }),
    );
    const out = join(folder, 'conformance.xml');
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    const code = await runConformanceCommand([
      ...['--base-url', server.url, '--token', tokenA, '--token-b', tokenB, '--fixtures', fixtures],
      ...['--rate-limit', '--burst', '200', '--max-rps', '1000', '--report', 'junit', '--out', out],
    ]);
    vi.restoreAllMocks();

    expect(code, stdout).toBe(0);
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' }).parse(
      readFileSync(out, 'utf8'),
    );
    const testCases = parsed.testsuites.testsuite.testcase as Array<{
      '@_name': string;
      failure?: unknown;
      skipped?: unknown;
    }>;
    expect(testCases.map((testCase) => testCase['@_name'])).toEqual([...CHECK_IDS]);
    expect(testCases.filter((testCase) => testCase.failure !== undefined)).toEqual([]);
    expect(testCases.filter((testCase) => testCase.skipped !== undefined)).toEqual([]);
    expect(stdout).not.toContain(tokenA);
    expect(stdout).not.toContain(tokenB);
  });
});
