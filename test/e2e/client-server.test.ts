/**
 * The typed client (`src/client`) against the real server over HTTP, for each case of the
 * server's error table that a client can cause with GET requests. Repeated query parameters, a
 * token in both header and query, a non-Bearer scheme and 405 need requests that the typed client
 * never sends, so only the server's own tests cover them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMutualRoomsClient,
  MatrixError,
  type MutualRoomsClient,
  type MutualRoomsClientOptions,
  type RetryEvent,
} from '../../src/client/index.js';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { MemoryRateLimiter } from '../../src/server/rate-limit-memory.js';
import { RedisRateLimiter } from '../../src/server/rate-limit-redis.js';
import type { MembershipStore } from '../../src/store/types.js';
import { STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { unusedPort } from '../helpers/services.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const CAROL = '@carol:example.org';
const ERIN = '@erin:example.org';
const FRANK = '@frank:example.org';
const PAGE_SIZE = 3;
const TOKEN_TTL_SECONDS = 60;

/** Ten rooms that alice and bob have joined, in room ID order. */
const SHARED = Array.from({ length: 10 }, (_, index) => `!r${String(index).padStart(2, '0')}:example.org`);

type Users = Record<'alice' | 'bob' | 'erin', string>;

/** Awaits `promise` and returns the MatrixError it rejects with; fails for any other outcome. */
async function matrixErrorOf(promise: Promise<unknown>): Promise<MatrixError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MatrixError) return error;
    throw error;
  }
  throw new Error('expected a MatrixError, but the call succeeded');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function joinAll(store: MembershipStore, roomIds: readonly string[], userIds: readonly string[]) {
  for (const roomId of roomIds) {
    for (const userId of userIds) await store.setMembership({ roomId, userId, membership: 'join' });
  }
}

/** Returns `token` with one character in the middle replaced by another base64url character. */
function tamper(token: string): string {
  const index = Math.floor(token.length / 2);
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

/** Sends the request without its credentials, as a misconfigured reverse proxy does. */
function strippingFetch(request: Request): Promise<Response> {
  const url = new URL(request.url);
  url.searchParams.delete('access_token');
  const headers = new Headers(request.headers);
  headers.delete('authorization');
  return fetch(new Request(url, { method: request.method, headers, signal: request.signal }));
}

describe.each(storeFactories)('client against the server on the $name store', (factory) => {
  const clock = { offsetMs: 0 };
  let store: MembershipStore;
  let server: RunningServer;
  let tokens: Users;

  const client = (options: Partial<MutualRoomsClientOptions> = {}): MutualRoomsClient =>
    createMutualRoomsClient({ baseUrl: server.url, accessToken: tokens.alice, ...options });

  beforeAll(async () => {
    store = await factory.create();
    await joinAll(store, SHARED, [ALICE, BOB]);
    await store.setMembership({ roomId: '!invite:example.org', userId: ALICE, membership: 'join' });
    await store.setMembership({ roomId: '!invite:example.org', userId: BOB, membership: 'invite' });
    tokens = {
      alice: await createAccessToken(store, ALICE),
      bob: await createAccessToken(store, BOB),
      erin: await createAccessToken(store, ERIN),
    };
    server = await startTestServer(store, {
      pageSize: PAGE_SIZE,
      tokenTtlSeconds: TOKEN_TTL_SECONDS,
      now: () => Date.now() + clock.offsetMs,
    });
  });

  afterAll(async () => {
    await server.close();
    await factory.cleanup();
  });

  describe('401', () => {
    it.each([
      ['unknown token in the header', 'header', 'M_UNKNOWN_TOKEN', {}],
      ['unknown token in the query', 'query', 'M_UNKNOWN_TOKEN', {}],
      ['header stripped by a proxy', 'header', 'M_MISSING_TOKEN', { fetch: strippingFetch }],
      ['query token stripped by a proxy', 'query', 'M_MISSING_TOKEN', { fetch: strippingFetch }],
    ] as const)('%s', async (_name, tokenIn, errcode, options) => {
      const accessToken = 'mr_unknown-token';
      const error = await matrixErrorOf(client({ accessToken, tokenIn, ...options }).getMutualRooms(BOB));

      expect(error.status).toBe(401);
      expect(error.errcode).toBe(errcode);
      expect(error.error).toEqual(expect.any(String));
      expect(error.method).toBe('GET');
      expect(new URL(error.url).pathname).toBe(STABLE_PATH);
      expect(error.url).not.toContain(accessToken);
      if (errcode === 'M_UNKNOWN_TOKEN') expect(error.body).toMatchObject({ soft_logout: false });
    });
  });

  describe('400', () => {
    /** Returns the next_batch of the first page of `requester` with `userId`. */
    async function nextBatch(requester: keyof Users, userId: string): Promise<string> {
      const page = await client({ accessToken: tokens[requester] }).getMutualRooms(userId);
      if (page.next_batch === undefined) throw new Error(`no second page for ${requester} and ${userId}`);
      return page.next_batch;
    }

    const USER_ID_CASES: readonly (readonly [string, string, RegExp])[] = [
      ['own user ID', ALICE, /your own user ID/],
      ['user ID without sigil', 'bob:example.org', /must start with "@"/],
      ['user ID without server name', '@bob', /needs a ":"/],
      ['user ID with empty localpart', '@:example.org', /localpart of a user ID must not be empty/],
      ['user ID with non-ASCII localpart', '@bøb:example.org', /printable ASCII/],
      ['user ID over 255 bytes', `@${'a'.repeat(250)}:example.org`, /at most 255 bytes/],
      ['user ID with invalid server name', '@bob:exa_mple.org', /is not a user ID/],
    ];

    it.each(USER_ID_CASES)('%s', async (_name, userId, message) => {
      const error = await matrixErrorOf(client().getMutualRooms(userId));

      expect(error.status).toBe(400);
      expect(error.errcode).toBe('M_INVALID_PARAM');
      expect(error.error).toMatch(message);
    });

    it('missing user_id from an untyped caller', async () => {
      const untyped = client().getMutualRooms as (userId?: string) => Promise<unknown>;
      const error = await matrixErrorOf(untyped());

      expect(error.status).toBe(400);
      expect(error.errcode).toBe('M_MISSING_PARAM');
      expect(error.error).toMatch(/user_id/);
    });

    const FROM_CASES: readonly (readonly [string, string, () => Promise<string>, RegExp])[] = [
      ['arbitrary from', BOB, async () => 'not-a-next-batch-token', /from is not a next_batch token/],
      ['tampered from', BOB, async () => tamper(await nextBatch('alice', BOB)), /from is not/],
      ['from of another user_id', CAROL, () => nextBatch('alice', BOB), /issued for this user_id/],
      ['from of another requester', BOB, () => nextBatch('bob', ALICE), /issued for this user_id/],
      [
        'expired from',
        BOB,
        async () => {
          const token = await nextBatch('alice', BOB);
          clock.offsetMs += (TOKEN_TTL_SECONDS + 1) * 1000;
          return token;
        },
        /from has expired/,
      ],
    ];

    it.each(FROM_CASES)('%s', async (_name, userId, from, message) => {
      const error = await matrixErrorOf(client().getMutualRooms(userId, { from: await from() }));

      expect(error.status).toBe(400);
      expect(error.errcode).toBe('M_INVALID_PARAM');
      expect(error.error).toMatch(message);
    });
  });

  describe('pagination', () => {
    it('lists every mutual room across pages', async () => {
      const list = await client().listMutualRooms(BOB);

      expect(list).toEqual({ joined: SHARED, count: SHARED.length });
    });

    it('follows joins and leaves between pages', async () => {
      const rooms = Array.from({ length: 8 }, (_, index) => `!p${index}:example.org`);
      await joinAll(store, rooms, [ERIN, FRANK]);
      const listed: string[] = [];

      for await (const roomId of client({ accessToken: tokens.erin }).iterateMutualRooms(FRANK)) {
        listed.push(roomId);
        if (listed.length === PAGE_SIZE) {
          // Between the first and the second page: behind the cursor, ahead of it, and listed already.
          await joinAll(store, ['!p1a:example.org', '!p5a:example.org'], [ERIN, FRANK]);
          await store.setMembership({ roomId: '!p4:example.org', userId: FRANK, membership: 'leave' });
          await store.setMembership({ roomId: '!p0:example.org', userId: ERIN, membership: 'leave' });
        }
      }

      expect(listed).toEqual([
        '!p0:example.org',
        '!p1:example.org',
        '!p2:example.org',
        '!p3:example.org',
        '!p5:example.org',
        '!p5a:example.org',
        '!p6:example.org',
        '!p7:example.org',
      ]);
    });
  });

  describe('abort', () => {
    it('rejects at once with an already aborted signal', async () => {
      const reason = new Error('closed before the call');

      const error = await rejectionOf(client().getMutualRooms(BOB, { signal: AbortSignal.abort(reason) }));

      expect(error).toBe(reason);
    });

    it('rejects a call aborted right after it starts', async () => {
      const controller = new AbortController();
      const reason = new Error('view closed');

      const pending = client().getMutualRooms(BOB, { signal: controller.signal });
      controller.abort(reason);

      expect(await rejectionOf(pending)).toBe(reason);
    });

    it('stops a listing between pages', async () => {
      const controller = new AbortController();
      const reason = new Error('user navigated away');
      const listed: string[] = [];

      const error = await rejectionOf(
        (async () => {
          for await (const roomId of client().iterateMutualRooms(BOB, { signal: controller.signal })) {
            listed.push(roomId);
            if (listed.length === PAGE_SIZE) controller.abort(reason);
          }
        })(),
      );

      expect(error).toBe(reason);
      expect(listed).toEqual(SHARED.slice(0, PAGE_SIZE));
    });
  });

  describe('discovery', () => {
    it('picks the stable endpoint of a v1.19 server', async () => {
      const discovering = client();

      expect(await discovering.discover()).toEqual({ kind: 'stable', path: STABLE_PATH });
      expect((await discovering.listMutualRooms(BOB)).joined).toEqual(SHARED);
    });
  });

  describe('server that routes only the unstable path', () => {
    let unstableServer: RunningServer;

    beforeAll(async () => {
      unstableServer = await startTestServer(store, { pageSize: PAGE_SIZE, endpoints: { stable: false } });
    });

    afterAll(async () => {
      await unstableServer.close();
    });

    it('discovery picks the unstable endpoint and pages through it', async () => {
      const discovering = client({ baseUrl: unstableServer.url });

      expect(await discovering.discover()).toEqual({ kind: 'unstable', path: UNSTABLE_PATH });
      expect(await discovering.listMutualRooms(BOB)).toEqual({ joined: SHARED, count: SHARED.length });
    });

    it('answers the stable path with 404 M_UNRECOGNIZED', async () => {
      const error = await matrixErrorOf(
        client({ baseUrl: unstableServer.url, discovery: false }).getMutualRooms(BOB),
      );

      expect(error.status).toBe(404);
      expect(error.errcode).toBe('M_UNRECOGNIZED');
    });
  });

  describe('429', () => {
    let limitedServer: RunningServer;

    beforeAll(async () => {
      // A real limiter with a window of 1 s, so a retry after Retry-After: 1 succeeds.
      const rateLimiter = new MemoryRateLimiter({ limit: 2, windowMs: 1000 });
      limitedServer = await startTestServer(store, { pageSize: PAGE_SIZE, rateLimiter });
    });

    afterAll(async () => {
      await limitedServer.close();
    });

    const limited = (accessToken: string, options: Partial<MutualRoomsClientOptions> = {}) =>
      client({ baseUrl: limitedServer.url, accessToken, ...options });

    it('retries after the delay the server sends and succeeds', async () => {
      const retries: RetryEvent[] = [];
      const retrying = limited(tokens.alice, {
        retry: { maxRetries: 3, maxTotalWaitMs: 10_000, onRetry: (event) => retries.push(event) },
      });

      // Four pages with a limit of two requests per window: the third request gets 429.
      const list = await retrying.listMutualRooms(BOB);

      expect(list.joined).toEqual(SHARED);
      const [first] = retries;
      expect(first?.attempt).toBe(1);
      expect(first?.error.status).toBe(429);
      expect(first?.error.errcode).toBe('M_LIMIT_EXCEEDED');
      expect(first?.delayMs).toBe(1000);
    });

    it('throws the 429 with retryAfterMs when retries are off', async () => {
      const once = limited(tokens.bob, { retry: false });
      await once.getMutualRooms(ALICE);
      await once.getMutualRooms(ALICE);

      const error = await matrixErrorOf(once.getMutualRooms(ALICE));

      expect(error.status).toBe(429);
      expect(error.errcode).toBe('M_LIMIT_EXCEEDED');
      expect(error.retryAfterMs).toBe(1000);
      expect(error.body).toMatchObject({ retry_after_ms: expect.any(Number) });
    });

    it('aborts the wait before a retry', async () => {
      const controller = new AbortController();
      const reason = new Error('gave up waiting');
      const waiting = limited(tokens.erin, {
        retry: { maxRetries: 3, maxTotalWaitMs: 10_000, onRetry: () => controller.abort(reason) },
      });
      await waiting.getMutualRooms(BOB);
      await waiting.getMutualRooms(BOB);

      expect(await rejectionOf(waiting.getMutualRooms(BOB, { signal: controller.signal }))).toBe(reason);
    });
  });

  describe('5xx', () => {
    it('503 M_UNKNOWN when the rate limiter fails closed', async () => {
      // Nothing listens on the port, so every rate limit check fails.
      const rateLimiter = new RedisRateLimiter({
        url: `redis://127.0.0.1:${await unusedPort()}`,
        limit: 10,
        windowMs: 60_000,
        failOpen: false,
        connectTimeoutMs: 200,
        commandTimeoutMs: 200,
      });
      const unavailable = await startTestServer(store, { rateLimiter });
      try {
        const error = await matrixErrorOf(client({ baseUrl: unavailable.url }).getMutualRooms(BOB));

        expect(error.status).toBe(503);
        expect(error.errcode).toBe('M_UNKNOWN');
        expect(error.retryAfterMs).toBe(1000);
      } finally {
        await unavailable.close();
        await rateLimiter.close();
      }
    });

    it('500 M_UNKNOWN when the store fails', async () => {
      const broken = await factory.create();
      const token = await createAccessToken(broken, ALICE);
      const brokenServer = await startTestServer(broken);
      try {
        await broken.close();
        const error = await matrixErrorOf(
          client({ baseUrl: brokenServer.url, accessToken: token }).getMutualRooms(BOB),
        );

        expect(error.status).toBe(500);
        expect(error).toMatchObject({ errcode: 'M_UNKNOWN', error: 'Internal server error' });
      } finally {
        await brokenServer.close();
      }
    });
  });
});
