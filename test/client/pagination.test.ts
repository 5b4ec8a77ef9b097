import { describe, expect, it } from 'vitest';
import { createMutualRoomsClient, PaginationLoopError } from '../../src/client/index.js';
import {
  BASE_URL,
  BOB,
  createFetchDouble,
  type Handler,
  json,
  type Page,
  pagedRooms,
  STABLE_PATH,
  TOKEN,
} from './fetch-double.js';

const THREE_PAGES: Record<string, Page> = {
  '': { joined: ['!a:x', '!b:x'], next_batch: 't1' },
  t1: { joined: ['!c:x', '!d:x'], next_batch: 't2' },
  t2: { joined: ['!e:x'] },
};

function clientFor(handler: Handler) {
  const double = createFetchDouble(handler);
  const client = createMutualRoomsClient({
    baseUrl: BASE_URL,
    accessToken: TOKEN,
    fetch: double.fetch,
    discovery: false,
  });
  return { client, double };
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const items: string[] = [];
  for await (const item of iterable) {
    items.push(item);
  }
  return items;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('iterateMutualRooms', () => {
  it('yields the rooms of every page in order', async () => {
    const { client } = clientFor(pagedRooms(STABLE_PATH, THREE_PAGES));

    const rooms = await collect(client.iterateMutualRooms(BOB));

    expect(rooms).toEqual(['!a:x', '!b:x', '!c:x', '!d:x', '!e:x']);
  });

  it('sends each next_batch as from', async () => {
    const { client, double } = clientFor(pagedRooms(STABLE_PATH, THREE_PAGES));

    await collect(client.iterateMutualRooms(BOB));

    const queries = double.urls().map((url) => Object.fromEntries(url.searchParams));
    expect(queries).toEqual([{ user_id: BOB }, { user_id: BOB, from: 't1' }, { user_id: BOB, from: 't2' }]);
  });

  it('fetches the next page only when the consumer asks', async () => {
    const { client, double } = clientFor(pagedRooms(STABLE_PATH, THREE_PAGES));
    const iterator = client.iterateMutualRooms(BOB);

    await iterator.next();
    await iterator.next();
    expect(double.requests).toHaveLength(1);
    await iterator.next();
    expect(double.requests).toHaveLength(2);
    await iterator.return();
  });

  it('yields a room listed on two pages once', async () => {
    const { client } = clientFor(
      pagedRooms(STABLE_PATH, {
        '': { joined: ['!a:x', '!b:x'], next_batch: 't1' },
        t1: { joined: ['!b:x', '!c:x'] },
      }),
    );

    const rooms = await collect(client.iterateMutualRooms(BOB));

    expect(rooms).toEqual(['!a:x', '!b:x', '!c:x']);
  });

  it('passes empty pages until the last', async () => {
    const { client } = clientFor(
      pagedRooms(STABLE_PATH, {
        '': { joined: [], next_batch: 't1' },
        t1: { joined: ['!a:x'], next_batch: 't2' },
        t2: { joined: [] },
      }),
    );

    const rooms = await collect(client.iterateMutualRooms(BOB));

    expect(rooms).toEqual(['!a:x']);
  });
});

describe('pagination loop detection', () => {
  const cases: {
    name: string;
    pages: Record<string, Page>;
    token: string;
    page: number;
    requests: number;
  }[] = [
    {
      name: 'token repeated at once',
      pages: { '': { joined: ['!a:x'], next_batch: 't1' }, t1: { joined: ['!b:x'], next_batch: 't1' } },
      token: 't1',
      page: 2,
      requests: 2,
    },
    {
      name: 'token from two pages back',
      pages: {
        '': { joined: ['!a:x'], next_batch: 't1' },
        t1: { joined: ['!b:x'], next_batch: 't2' },
        t2: { joined: ['!c:x'], next_batch: 't1' },
      },
      token: 't1',
      page: 3,
      requests: 3,
    },
  ];

  for (const { name, pages, token, page, requests } of cases) {
    it(`stops on ${name}`, async () => {
      const { client, double } = clientFor(pagedRooms(STABLE_PATH, pages));

      const error = (await rejectionOf(client.listMutualRooms(BOB))) as PaginationLoopError;

      expect(error).toBeInstanceOf(PaginationLoopError);
      expect(error.token).toBe(token);
      expect(error.page).toBe(page);
      expect(error.userId).toBe(BOB);
      expect(error.message).toContain(`page ${page} returned next_batch "${token}"`);
      expect(error.message).toContain('endless loop');
      expect(double.requests).toHaveLength(requests);
    });
  }

  it('stops a server that ignores from', async () => {
    const { client, double } = clientFor(() => json(200, { joined: ['!a:x'], count: 9, next_batch: 'same' }));

    await expect(collect(client.iterateMutualRooms(BOB))).rejects.toBeInstanceOf(PaginationLoopError);
    expect(double.requests).toHaveLength(2);
  });
});

describe('listMutualRooms', () => {
  it('returns all rooms and their count', async () => {
    const { client } = clientFor(pagedRooms(STABLE_PATH, THREE_PAGES));

    const list = await client.listMutualRooms(BOB);

    expect(list).toEqual({ joined: ['!a:x', '!b:x', '!c:x', '!d:x', '!e:x'], count: 5 });
  });

  it('counts the rooms returned, not the server count', async () => {
    const { client } = clientFor(() => json(200, { joined: ['!a:x'], count: 40 }));

    const list = await client.listMutualRooms(BOB);

    expect(list).toEqual({ joined: ['!a:x'], count: 1 });
  });

  it('rethrows an error of a later page', async () => {
    const { client } = clientFor(
      pagedRooms(STABLE_PATH, { '': { joined: ['!a:x'], next_batch: 'expired' } }),
    );

    await expect(client.listMutualRooms(BOB)).rejects.toMatchObject({
      name: 'MatrixError',
      status: 400,
      errcode: 'M_INVALID_PARAM',
    });
  });
});
