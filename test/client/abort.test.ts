import { describe, expect, it } from 'vitest';
import { createMutualRoomsClient, type TokenPlacement } from '../../src/client/index.js';
import {
  BASE_URL,
  BOB,
  createFetchDouble,
  hangUntilAborted,
  json,
  STABLE_PATH,
  TOKEN,
  VERSIONS_PATH,
} from './fetch-double.js';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('abort of a request in flight', () => {
  const placements: TokenPlacement[] = ['header', 'query'];

  for (const tokenIn of placements) {
    it(`rejects with the abort reason, token in ${tokenIn}`, async () => {
      const controller = new AbortController();
      const reason = new Error('stop waiting');
      const double = createFetchDouble((request) => {
        queueMicrotask(() => controller.abort(reason));
        return hangUntilAborted(request);
      });
      const client = createMutualRoomsClient({
        baseUrl: BASE_URL,
        accessToken: TOKEN,
        tokenIn,
        fetch: double.fetch,
        discovery: false,
      });

      const error = await rejectionOf(client.getMutualRooms(BOB, { signal: controller.signal }));

      expect(error).toBe(reason);
      expect(double.requests).toHaveLength(1);
    });
  }

  it('aborts discovery and sends no room request', async () => {
    const controller = new AbortController();
    const reason = new Error('closed');
    const double = createFetchDouble((request, url) => {
      if (url.pathname === VERSIONS_PATH) {
        queueMicrotask(() => controller.abort(reason));
        return hangUntilAborted(request);
      }
      return json(200, { joined: [], count: 0 });
    });
    const client = createMutualRoomsClient({ baseUrl: BASE_URL, accessToken: TOKEN, fetch: double.fetch });

    const error = await rejectionOf(client.getMutualRooms(BOB, { signal: controller.signal }));

    expect(error).toBe(reason);
    expect(double.urls().map((url) => url.pathname)).toEqual([VERSIONS_PATH]);
  });

  it('stops an iteration between pages without another request', async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const double = createFetchDouble(() => json(200, { joined: ['!a:x'], count: 2, next_batch: 'p2' }));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });

    const seen: string[] = [];
    const iteration = (async () => {
      for await (const roomId of client.iterateMutualRooms(BOB, { signal: controller.signal })) {
        seen.push(roomId);
        controller.abort(reason);
      }
    })();

    expect(await rejectionOf(iteration)).toBe(reason);
    expect(seen).toEqual(['!a:x']);
    expect(double.requests).toHaveLength(1);
  });

  it('stops an iteration while a later page is in flight', async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const double = createFetchDouble((request, url) => {
      if (url.searchParams.get('from') === 'p2') {
        queueMicrotask(() => controller.abort(reason));
        return hangUntilAborted(request);
      }
      return json(200, { joined: ['!a:x'], count: 2, next_batch: 'p2' });
    });
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });

    const seen: string[] = [];
    const iteration = (async () => {
      for await (const roomId of client.iterateMutualRooms(BOB, { signal: controller.signal })) {
        seen.push(roomId);
      }
    })();

    expect(await rejectionOf(iteration)).toBe(reason);
    expect(seen).toEqual(['!a:x']);
    expect(double.urls().map((url) => url.pathname)).toEqual([STABLE_PATH, STABLE_PATH]);
  });
});
