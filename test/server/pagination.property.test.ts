import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoomId } from '../../src/matrix/identifiers.js';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { MEMBERSHIPS, type Membership, type MembershipStore } from '../../src/store/types.js';
import type { MutualRoomsBody } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';
import { byteOrder, collectPages, TOKEN_CHARSET } from './paging.js';

const SERVER_NAMES = ['example.org', 'matrix.org:8448', '[::1]', '10.0.0.1'];

/**
 * Characters whose UTF-16 order differs from their UTF-8 byte order (U+E000 and U+FFFD sort
 * after astral characters in UTF-16, before them in UTF-8), so a sort by the wrong order fails.
 */
const ORDER_SENSITIVE = ['a', 'b', 'Z', '0', '_', 'é', '\uE000', '\uFFFD', '😀', '\u{10FFFF}'];
const opaqueArbitrary = fc.oneof(
  fc.string({ unit: fc.constantFrom(...ORDER_SENSITIVE), minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);

/** Room IDs of both grammars, with opaque parts of any Unicode to exercise byte ordering. */
const roomIdArbitrary = fc
  .oneof(
    fc
      .tuple(opaqueArbitrary, fc.constantFrom(...SERVER_NAMES))
      .map(([opaque, server]) => `!${opaque.replaceAll(':', '_').replaceAll('\0', '_')}:${server}`),
    fc.stringMatching(/^[0-9A-Za-z_-]{43}$/).map((hash) => `!${hash}`),
  )
  .filter(isRoomId);

/** Mostly `join`, so most graphs span several pages. */
const membershipArbitrary = fc.option(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<Membership>('join') },
    { weight: 2, arbitrary: fc.constantFrom(...MEMBERSHIPS) },
  ),
  { nil: undefined },
);

/** Memberships of the requester and the other user in each room; absent means never a member. */
const graphArbitrary = fc.uniqueArray(
  fc.record({ roomId: roomIdArbitrary, requester: membershipArbitrary, other: membershipArbitrary }),
  { selector: (entry) => entry.roomId, maxLength: 40 },
);

type Graph = typeof graphArbitrary extends fc.Arbitrary<infer T> ? T : never;

const mutationArbitrary = fc.record({
  roomId: roomIdArbitrary,
  member: fc.constantFrom('requester', 'other'),
  membership: fc.constantFrom<Membership>(...MEMBERSHIPS),
  alsoJoinOther: fc.boolean(),
});

let pairCounter = 0;

/** Loads the graph for a fresh user pair, so runs share the store without reading each other's rooms. */
async function loadGraph(store: MembershipStore, graph: Graph) {
  pairCounter += 1;
  const requester = `@req${pairCounter}:example.org`;
  const other = `@other${pairCounter}:example.org`;
  for (const entry of graph) {
    if (entry.requester)
      await store.setMembership({ roomId: entry.roomId, userId: requester, membership: entry.requester });
    if (entry.other)
      await store.setMembership({ roomId: entry.roomId, userId: other, membership: entry.other });
  }
  const expected = graph
    .filter((entry) => entry.requester === 'join' && entry.other === 'join')
    .map((entry) => entry.roomId)
    .sort(byteOrder);
  return { requester, other, expected, token: await createAccessToken(store, requester) };
}

function assertPageShape(pages: MutualRoomsBody[], pageSize: number): void {
  pages.forEach((page, index) => {
    const last = index === pages.length - 1;
    expect(page.joined.length).toBeLessThanOrEqual(pageSize);
    if (!last) expect(page.next_batch).toMatch(TOKEN_CHARSET);
    if (last) expect(page).not.toHaveProperty('next_batch');
  });
}

describe.each(storeFactories)('pagination properties on the $name store', (factory) => {
  let store: MembershipStore;
  const servers = new Map<number, RunningServer>();

  /** Returns the server for `pageSize`, starting it on first use. */
  async function serverFor(pageSize: number): Promise<RunningServer> {
    let server = servers.get(pageSize);
    if (server === undefined) {
      server = await startTestServer(store, { pageSize });
      servers.set(pageSize, server);
    }
    return server;
  }

  beforeAll(async () => {
    store = await factory.create();
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((server) => server.close()));
    await factory.cleanup();
  });

  it('pages concatenate to the sorted intersection', async () => {
    await fc.assert(
      fc.asyncProperty(graphArbitrary, fc.integer({ min: 1, max: 7 }), async (graph, pageSize) => {
        const { other, expected, token } = await loadGraph(store, graph);
        const server = await serverFor(pageSize);
        const pages = await collectPages(server.url, token, other, expected.length + 2);

        const joined = pages.flatMap((page) => page.joined);
        expect(joined).toEqual(expected);
        expect(new Set(joined).size).toBe(joined.length);
        expect(pages.map((page) => page.count)).toEqual(pages.map(() => expected.length));
        expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / pageSize)));
        assertPageShape(pages, pageSize);
      }),
      { numRuns: 60 },
    );
  });

  it('never repeats or reorders rooms when memberships change between pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        graphArbitrary,
        fc.integer({ min: 1, max: 5 }),
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 20 }),
        async (graph, pageSize, mutations) => {
          const { requester, other, expected, token } = await loadGraph(store, graph);
          const server = await serverFor(pageSize);
          const touched = new Set<string>();

          const pages = await collectPages(
            server.url,
            token,
            other,
            expected.length + mutations.length + 2,
            async () => {
              const mutation = mutations.shift();
              if (mutation === undefined) return;
              const userId = mutation.member === 'requester' ? requester : other;
              touched.add(mutation.roomId);
              await store.setMembership({ roomId: mutation.roomId, userId, membership: mutation.membership });
              if (mutation.alsoJoinOther) {
                const partner = userId === requester ? other : requester;
                await store.setMembership({ roomId: mutation.roomId, userId: partner, membership: 'join' });
              }
            },
          );

          const joined = pages.flatMap((page) => page.joined);
          expect([...joined].sort(byteOrder)).toEqual(joined);
          expect(new Set(joined).size).toBe(joined.length);
          // Rooms mutual from start to end appear exactly once.
          for (const roomId of expected.filter((id) => !touched.has(id))) expect(joined).toContain(roomId);
          assertPageShape(pages, pageSize);
        },
      ),
      { numRuns: 40 },
    );
  });
});
