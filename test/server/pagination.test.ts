import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import type { MembershipStore } from '../../src/store/types.js';
import { bearer, callApi, mutualRoomsUrl } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';
import { byteOrder, collectPages, fetchPage, TOKEN_CHARSET } from './paging.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const CAROL = '@carol:example.org';
const PAGE_SIZE = 2;

const room = (n: number) => `!room${String(n).padStart(3, '0')}:example.org`;

async function joinBoth(
  store: MembershipStore,
  roomIds: readonly string[],
  users = [ALICE, BOB],
): Promise<void> {
  for (const roomId of roomIds) {
    for (const userId of users) await store.setMembership({ roomId, userId, membership: 'join' });
  }
}

describe.each(storeFactories)('pagination on the $name store', (factory) => {
  const servers: RunningServer[] = [];
  let store: MembershipStore;
  let server: RunningServer;
  let alice: string;
  let bob: string;
  const secret = randomBytes(32);
  const clock = { now: Date.UTC(2030, 0, 1) };

  beforeAll(async () => {
    store = await factory.create();
    await joinBoth(store, [1, 2, 3, 4, 5].map(room));
    await joinBoth(store, [1, 2, 3].map(room), [ALICE, CAROL]);
    alice = await createAccessToken(store, ALICE);
    bob = await createAccessToken(store, BOB);
    server = await startTestServer(store, {
      pageSize: PAGE_SIZE,
      secret,
      tokenTtlSeconds: 600,
      now: () => clock.now,
    });
    servers.push(server);
  });

  afterAll(async () => {
    await Promise.all(servers.map((running) => running.close()));
    await factory.cleanup();
  });

  it('splits rooms into pages with the total count on each', async () => {
    const pages = await collectPages(server.url, alice, BOB, 10);
    expect(pages.map((page) => page.joined)).toEqual([[room(1), room(2)], [room(3), room(4)], [room(5)]]);
    expect(pages.map((page) => page.count)).toEqual([5, 5, 5]);
    expect(pages.map((page) => page.next_batch !== undefined)).toEqual([true, true, false]);
    for (const page of pages.slice(0, -1)) expect(page.next_batch).toMatch(TOKEN_CHARSET);
  });

  it('omits next_batch when the last page is exactly full', async () => {
    const pages = await collectPages(server.url, alice, BOB, 10);
    await store.setMembership({ roomId: room(5), userId: BOB, membership: 'leave' });
    try {
      const fullPages = await collectPages(server.url, alice, BOB, 10);
      expect(fullPages.map((page) => page.joined.length)).toEqual([2, 2]);
      expect(fullPages[1]).not.toHaveProperty('next_batch');
    } finally {
      await store.setMembership({ roomId: room(5), userId: BOB, membership: 'join' });
    }
    expect(pages).toHaveLength(3);
  });

  it.each([
    ['another user_id', () => ({ url: mutualRoomsUrl(server.url, { user_id: CAROL }), token: alice })],
    ['another requester', () => ({ url: mutualRoomsUrl(server.url, { user_id: ALICE }), token: bob })],
  ])('rejects a token used for %s', async (_name, given) => {
    const first = await fetchPage(server.url, alice, BOB);
    const { url, token } = given();
    const response = await callApi(`${url}&from=${first.next_batch}`, bearer(token));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
  });

  it('accepts a token until its lifetime ends', async () => {
    const first = await fetchPage(server.url, alice, BOB);
    const from = first.next_batch ?? '';
    clock.now += 599_000;
    const second = await fetchPage(server.url, alice, BOB, from);
    expect(second.joined).toEqual([room(3), room(4)]);

    clock.now += 1_000;
    const expired = await callApi(mutualRoomsUrl(server.url, { user_id: BOB, from }), bearer(alice));
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((expired.body as { error: string }).error).toContain('expired');
  });

  it('accepts tokens after a restart with the same secret', async () => {
    const first = await fetchPage(server.url, alice, BOB);
    const restarted = await startTestServer(store, { pageSize: PAGE_SIZE, secret, now: () => clock.now });
    servers.push(restarted);
    const second = await fetchPage(restarted.url, alice, BOB, first.next_batch);
    expect(second.joined).toEqual([room(3), room(4)]);
  });

  it('rejects tokens signed with another secret', async () => {
    const first = await fetchPage(server.url, alice, BOB);
    const other = await startTestServer(store, { pageSize: PAGE_SIZE, now: () => clock.now });
    servers.push(other);
    const response = await callApi(
      mutualRoomsUrl(other.url, { user_id: BOB, from: first.next_batch ?? '' }),
      bearer(alice),
    );
    expect(response.status).toBe(400);
  });

  it('continues after the last room despite joins and leaves between pages', async () => {
    const first = await fetchPage(server.url, alice, BOB);
    expect(first.joined).toEqual([room(1), room(2)]);
    // Leave a room of the first page, join one before the cursor and one after it.
    await store.setMembership({ roomId: room(1), userId: BOB, membership: 'leave' });
    await joinBoth(store, ['!room000:example.org', '!room003a:example.org']);
    try {
      const rest = await collectPages(server.url, alice, BOB, 10);
      const second = await fetchPage(server.url, alice, BOB, first.next_batch);
      expect(second.joined).toEqual([room(3), '!room003a:example.org']);
      expect(rest.flatMap((page) => page.joined)).toHaveLength(6);
    } finally {
      await store.setMembership({ roomId: room(1), userId: BOB, membership: 'join' });
      for (const roomId of ['!room000:example.org', '!room003a:example.org']) {
        await store.setMembership({ roomId, userId: BOB, membership: 'leave' });
      }
    }
  });

  it('pages through room IDs longer than a token cursor', async () => {
    const longRooms = ['a', 'b', 'c', 'd'].map((letter) => `!${letter}${'x'.repeat(200)}:example.org`);
    const dave = '@dave:example.org';
    const erin = '@erin:example.org';
    await joinBoth(store, longRooms, [dave, erin]);
    const pages = await collectPages(server.url, await createAccessToken(store, dave), erin, 10);
    expect(pages.flatMap((page) => page.joined)).toEqual([...longRooms].sort(byteOrder));
    for (const page of pages.slice(0, -1)) expect(page.next_batch).toMatch(TOKEN_CHARSET);
  });
});
