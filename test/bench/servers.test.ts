import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnswers, type TokenPair } from '../../bench/answers.js';
import type { BenchServer } from '../../bench/bare-server.js';
import { ChildServer } from '../../bench/child.js';
import { DatasetGenerator, type DatasetManifest, type DatasetPair } from '../../bench/dataset.js';
import { pagePath, runLoad } from '../../bench/http-load.js';
import type { PageConfig } from '../../bench/page.js';
import { startVariant, type Variant } from '../../bench/variants.js';
import { createAccessToken } from '../../src/server/access-tokens.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const PAGE_SIZE = 20;
const config: PageConfig = { secret: randomBytes(32), pageSize: PAGE_SIZE, tokenTtlSeconds: 600 };
const dir = mkdtempSync(join(tmpdir(), 'mutual-rooms-bench-servers-'));
const dbPath = join(dir, 'small.db');
let store: SqliteStore;
let manifest: DatasetManifest;
const tokens = new Map<string, string>();
const servers = new Map<Variant, BenchServer>();

beforeAll(async () => {
  const generator = new DatasetGenerator({ size: 'small', seed: 21 });
  store = SqliteStore.open(dbPath);
  await store.importMemberships(
    (async function* () {
      yield* generator.records();
    })(),
  );
  manifest = generator.manifest();
  for (const pair of [...manifest.typicalPairs, ...manifest.heavyPairs]) {
    if (!tokens.has(pair.userA)) tokens.set(pair.userA, await createAccessToken(store, pair.userA));
  }
  // A room ID that breaks the response schema, joined by two users of their own.
  await store.setMembership({ roomId: 'not-a-room-id', userId: '@broken1:example.org', membership: 'join' });
  await store.setMembership({ roomId: 'not-a-room-id', userId: '@broken2:example.org', membership: 'join' });
  tokens.set('@broken1:example.org', await createAccessToken(store, '@broken1:example.org'));

  for (const variant of ['node-http', 'fastify', 'express-validated', 'express-unvalidated'] as const) {
    servers.set(variant, await startVariant(variant, store, config));
  }
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function tokenOf(userId: string): string {
  const token = tokens.get(userId);
  if (token === undefined) throw new Error(`no access token for ${userId}`);
  return token;
}

function serverOf(variant: Variant): BenchServer {
  const server = servers.get(variant);
  if (server === undefined) throw new Error(`${variant} is not running`);
  return server;
}

async function getPage(variant: Variant, userA: string, userB: string, from?: string) {
  const path = pagePath({ accessToken: tokenOf(userA), userId: userB }, from);
  const response = await fetch(`${serverOf(variant).url}${path}`, {
    headers: { authorization: `Bearer ${tokenOf(userA)}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Returns every room the store lists for the pair, page by page with the keyset cursor. */
async function storeWalk(pair: DatasetPair): Promise<string[]> {
  const rooms: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.mutualRooms(pair.userA, pair.userB, { after, limit: PAGE_SIZE });
    rooms.push(...page.roomIds);
    if (!page.hasMore) return rooms;
    after = page.roomIds.at(-1);
  }
}

const comparedVariants: readonly Variant[] = [
  'node-http',
  'fastify',
  'express-validated',
  'express-unvalidated',
];

describe.each(comparedVariants)('%s variant', (variant) => {
  it('returns the store first page for a typical pair', async () => {
    const pair = manifest.typicalPairs.at(-1) as DatasetPair;
    const expected = await store.mutualRooms(pair.userA, pair.userB, { limit: PAGE_SIZE });
    const { status, body } = await getPage(variant, pair.userA, pair.userB);
    expect(status).toBe(200);
    expect(body.joined).toEqual(expected.roomIds);
    expect(body.count).toBe(expected.count);
    expect(body.next_batch === undefined).toBe(!expected.hasMore);
  });

  it('walks a heavy pair like the store', async () => {
    const pair = manifest.heavyPairs[0] as DatasetPair;
    const walked: string[] = [];
    let from: string | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const { status, body } = await getPage(variant, pair.userA, pair.userB, from);
      expect(status).toBe(200);
      expect(body.count).toBe(pair.sharedRooms);
      walked.push(...(body.joined as string[]));
      if (typeof body.next_batch !== 'string') break;
      from = body.next_batch;
    }
    expect(walked).toEqual(await storeWalk(pair));
  });

  it('rejects a request without access token', async () => {
    const response = await fetch(
      `${serverOf(variant).url}${pagePath({ accessToken: '', userId: '@a:example.org' }, undefined)}`,
    );
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(401);
    expect(body.errcode).toBe('M_MISSING_TOKEN');
  });

  it('rejects a forged from token', async () => {
    const pair = manifest.heavyPairs[0] as DatasetPair;
    const { status, body } = await getPage(variant, pair.userA, pair.userB, 'AQAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(status).toBe(400);
    expect(body.errcode).toBe('M_INVALID_PARAM');
  });
});

describe('validation differences between variants', () => {
  it('fastify rejects a malformed user_id', async () => {
    const pair = manifest.typicalPairs[0] as DatasetPair;
    const { status, body } = await getPage('fastify', pair.userA, '@:example.org');
    expect(status).toBe(400);
    expect(body.errcode).toBe('M_INVALID_PARAM');
  });

  it('fastify turns an invalid response body into 500', async () => {
    const { status, body } = await getPage('fastify', '@broken1:example.org', '@broken2:example.org');
    expect(status).toBe(500);
    expect(body.errcode).toBe('M_UNKNOWN');
  });

  it('express-validated turns an invalid response body into 500', async () => {
    const { status, body } = await getPage(
      'express-validated',
      '@broken1:example.org',
      '@broken2:example.org',
    );
    expect(status).toBe(500);
    expect(body.errcode).toBe('M_UNKNOWN');
  });

  it('express-unvalidated sends an invalid response body unchecked', async () => {
    const { status, body } = await getPage(
      'express-unvalidated',
      '@broken1:example.org',
      '@broken2:example.org',
    );
    expect(status).toBe(200);
    expect(body.joined).toEqual(['not-a-room-id']);
  });

  it('node-http sends an invalid response body unchecked', async () => {
    const { status, body } = await getPage('node-http', '@broken1:example.org', '@broken2:example.org');
    expect(status).toBe(200);
    expect(body.joined).toEqual(['not-a-room-id']);
  });
});

function tokenPairs(pairs: readonly DatasetPair[]): TokenPair[] {
  return pairs.map((pair) => ({ pair, load: { accessToken: tokenOf(pair.userA), userId: pair.userB } }));
}

describe('answer check', () => {
  it('accepts correct answers', async () => {
    const outcome = await checkAnswers(
      serverOf('node-http').url,
      tokenPairs([...manifest.typicalPairs, ...manifest.heavyPairs]),
    );
    expect(outcome).toBe('ok');
  });

  it('reports a count that differs from the manifest', async () => {
    const pair = manifest.typicalPairs[0] as DatasetPair;
    const outcome = await checkAnswers(
      serverOf('node-http').url,
      tokenPairs([{ ...pair, sharedRooms: pair.sharedRooms + 1 }]),
    );
    expect(outcome).toMatch(/count \d+, expected \d+/);
  });
});

describe('load generator', () => {
  it('follows next_batch to the last page', async () => {
    const pair = manifest.heavyPairs[0] as DatasetPair;
    const result = await runLoad({
      url: serverOf('node-http').url,
      scenario: 'heavy-walk',
      pairs: [{ accessToken: tokenOf(pair.userA), userId: pair.userB }],
      connections: 1,
      durationSeconds: 1,
    });
    const pagesPerWalk = Math.ceil(pair.sharedRooms / PAGE_SIZE);
    expect(result.non2xx).toBe(0);
    expect(result.walks).toBeGreaterThanOrEqual(1);
    // Every page of a walk counts as a response, plus the pages of the walk cut off at the end.
    expect(result.responses).toBeGreaterThanOrEqual((result.walks ?? 0) * pagesPerWalk);
    expect(result.responses).toBeLessThan(((result.walks ?? 0) + 1) * pagesPerWalk + 1);
  });

  it('sends first pages only without walking', async () => {
    const pair = manifest.heavyPairs[0] as DatasetPair;
    const result = await runLoad({
      url: serverOf('node-http').url,
      scenario: 'heavy-first-page',
      pairs: [{ accessToken: tokenOf(pair.userA), userId: pair.userB }],
      connections: 2,
      durationSeconds: 1,
    });
    expect(result.non2xx).toBe(0);
    expect(result.responses).toBeGreaterThan(0);
    expect(result.walks).toBeUndefined();
  });
});

describe('child server', () => {
  it('serves a variant and sends RSS samples', async () => {
    const child = await ChildServer.start({
      variant: 'node-http',
      dbPath,
      secret: config.secret,
      pageSize: PAGE_SIZE,
      rssIntervalMs: 50,
    });
    try {
      const pair = manifest.typicalPairs[0] as DatasetPair;
      const response = await fetch(
        `${child.url}${pagePath({ accessToken: tokenOf(pair.userA), userId: pair.userB }, undefined)}`,
        {
          headers: { authorization: `Bearer ${tokenOf(pair.userA)}` },
        },
      );
      expect(response.status).toBe(200);
      for (let wait = 0; wait < 100 && child.samples.length === 0; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(child.samples.length).toBeGreaterThan(0);
      expect(child.samples[0]?.rss).toBeGreaterThan(0);
    } finally {
      await child.stop();
    }
    expect(child.child.exitCode).toBe(0);
  });
});
