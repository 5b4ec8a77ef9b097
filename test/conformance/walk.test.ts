import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/conformance/http.js';
import { MAX_WALK_PAGES, walkMutualRooms } from '../../src/conformance/walk.js';

function page(body: unknown, status = 200): Exchange {
  return {
    source: 'test',
    method: 'GET',
    target: '/mutual_rooms',
    path: '/mutual_rooms',
    status,
    headers: { 'content-type': 'application/json' },
    text: JSON.stringify(body),
    json: body,
    isJson: true,
  };
}

/** Serves the given pages in order; token `t<n>` leads to page n. */
function pages(...bodies: unknown[]) {
  const requested: Array<string | undefined> = [];
  const requestPage = async (from: string | undefined) => {
    requested.push(from);
    const index = from === undefined ? 0 : Number(from.slice(1));
    return page(bodies[index] ?? bodies[bodies.length - 1]);
  };
  return { requested, requestPage };
}

describe('walkMutualRooms', () => {
  it('follows next_batch until it is absent', async () => {
    const server = pages(
      { joined: ['!a:x', '!b:x'], count: 3, next_batch: 't1' },
      { joined: ['!c:x'], count: 3 },
    );
    const walk = await walkMutualRooms(server.requestPage);
    expect(server.requested).toEqual([undefined, 't1']);
    expect(walk.rooms).toEqual(['!a:x', '!b:x', '!c:x']);
    expect(walk.ended).toBe(true);
    expect(walk.failures).toEqual([]);
  });

  it.each([
    {
      name: 'a repeated token',
      bodies: [
        { joined: ['!a:x'], count: 3, next_batch: 't1' },
        { joined: ['!b:x'], count: 3, next_batch: 't1' },
      ],
      cases: ['page 2'],
    },
    {
      name: 'a token with !',
      bodies: [
        { joined: ['!a:x'], count: 2, next_batch: 't1!' },
        { joined: ['!b:x'], count: 2 },
      ],
      cases: ['token format'],
    },
    {
      name: 'a repeated room',
      bodies: [
        { joined: ['!a:x'], count: 2, next_batch: 't1' },
        { joined: ['!a:x', '!b:x'], count: 2 },
      ],
      cases: ['repeated rooms'],
    },
    {
      name: 'a changing count',
      bodies: [
        { joined: ['!a:x'], count: 2, next_batch: 't1' },
        { joined: ['!b:x'], count: 5 },
      ],
      cases: ['page 2'],
    },
    {
      name: 'count above the rooms listed',
      bodies: [{ joined: ['!a:x'], count: 4 }],
      cases: ['count'],
    },
    {
      name: 'next_batch with count 0',
      bodies: [{ joined: [], count: 0, next_batch: 't1' }],
      cases: ['page 1'],
    },
    {
      name: 'a walk longer than count pages',
      bodies: [
        { joined: ['!a:x'], count: 2, next_batch: 't1' },
        { joined: ['!b:x'], count: 2, next_batch: 't2' },
        { joined: [], count: 2 },
      ],
      cases: ['page 2'],
    },
    {
      name: 'an error page',
      bodies: [{ joined: ['!a:x'], count: 2, next_batch: 't1' }, { errcode: 'M_UNKNOWN' }],
      cases: ['page 2'],
    },
    {
      name: 'next_batch null',
      bodies: [{ joined: ['!a:x'], count: 1, next_batch: null }],
      cases: ['page 1'],
    },
  ])('reports $name', async ({ bodies, cases }) => {
    const walk = await walkMutualRooms(pages(...bodies).requestPage);
    expect(walk.failures.map((failure) => failure.case)).toEqual(cases);
  });

  it('stops after the page limit when count allows more', async () => {
    let calls = 0;
    const walk = await walkMutualRooms(async () => {
      calls++;
      return page({ joined: [`!r${calls}:x`], count: 1_000_000, next_batch: `t${calls}` });
    });
    expect(calls).toBe(MAX_WALK_PAGES);
    expect(walk.ended).toBe(false);
    expect(walk.failures).toEqual([]);
    expect(walk.notes).toHaveLength(1);
  });

  it('does not check count when the walk is cut short', async () => {
    const walk = await walkMutualRooms(pages({ joined: ['!a:x'], count: 1, next_batch: 't1' }).requestPage);
    expect(walk.ended).toBe(false);
    expect(walk.failures.map((failure) => failure.case)).toEqual(['page 1']);
  });
});
