import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { hashAccessToken } from '../../src/server/access-tokens.js';
import type { MembershipRecord, MembershipStore } from '../../src/store/types.js';
import { storeFactories } from '../helpers/stores.js';

const A = '@a:example.org';
const B = '@b:example.org';

async function* fromArray(
  records: readonly MembershipRecord[],
  failAfter?: number,
): AsyncGenerator<MembershipRecord> {
  let index = 0;
  for (const record of records) {
    if (index === failAfter) throw new Error('input failed');
    yield record;
    index += 1;
  }
}

const joined = (roomId: string, userId: string): MembershipRecord => ({ roomId, userId, membership: 'join' });

describe.each(storeFactories)('MembershipStore contract: $name', (factory) => {
  let store: MembershipStore;

  beforeEach(async () => {
    store = await factory.create();
  });

  afterAll(() => factory.cleanup());

  it('returns rooms both users joined, in byte order, with the total count', async () => {
    for (const roomId of ['!c:x.org', '!a:x.org', '!é:x.org', '!B:x.org', '!😀:x.org', '!\uE000:x.org']) {
      await store.setMembership(joined(roomId, A));
      await store.setMembership(joined(roomId, B));
    }
    await store.setMembership({ roomId: '!d:x.org', userId: A, membership: 'join' });
    await store.setMembership({ roomId: '!d:x.org', userId: B, membership: 'invite' });

    const page = await store.mutualRooms(A, B, { limit: 10 });
    expect(page).toEqual({
      roomIds: ['!B:x.org', '!a:x.org', '!c:x.org', '!é:x.org', '!\uE000:x.org', '!😀:x.org'],
      count: 6,
      hasMore: false,
    });
  });

  it('pages with after and limit', async () => {
    for (const roomId of ['!1:x.org', '!2:x.org', '!3:x.org']) {
      await store.setMembership(joined(roomId, A));
      await store.setMembership(joined(roomId, B));
    }
    expect(await store.mutualRooms(A, B, { limit: 2 })).toEqual({
      roomIds: ['!1:x.org', '!2:x.org'],
      count: 3,
      hasMore: true,
    });
    expect(await store.mutualRooms(A, B, { after: '!2:x.org', limit: 2 })).toEqual({
      roomIds: ['!3:x.org'],
      count: 3,
      hasMore: false,
    });
    expect(await store.mutualRooms(A, B, { after: '!1', limit: 1 })).toEqual({
      roomIds: ['!1:x.org'],
      count: 3,
      hasMore: true,
    });
  });

  it.each(['invite', 'leave', 'ban', 'knock'] as const)('does not count %s as joined', async (membership) => {
    await store.setMembership(joined('!r:x.org', A));
    await store.setMembership({ roomId: '!r:x.org', userId: B, membership });
    expect(await store.mutualRooms(A, B, { limit: 10 })).toEqual({ roomIds: [], count: 0, hasMore: false });
  });

  it('replaces a membership with a later one', async () => {
    await store.setMembership(joined('!r:x.org', A));
    await store.setMembership(joined('!r:x.org', B));
    await store.setMembership({ roomId: '!r:x.org', userId: B, membership: 'leave' });
    expect((await store.mutualRooms(A, B, { limit: 10 })).count).toBe(0);
  });

  it('imports records, the last one per room and user winning', async () => {
    const stats = await store.importMemberships(
      fromArray([
        joined('!r:x.org', A),
        joined('!r:x.org', B),
        { roomId: '!r:x.org', userId: B, membership: 'leave' },
        joined('!s:x.org', A),
        joined('!s:x.org', B),
        joined('!r:x.org', B),
      ]),
    );
    expect(stats).toEqual({ records: 6, memberships: 4 });
    expect((await store.mutualRooms(A, B, { limit: 10 })).roomIds).toEqual(['!r:x.org', '!s:x.org']);
  });

  it('applies nothing of an import whose input fails', async () => {
    await store.setMembership(joined('!kept:x.org', A));
    await store.setMembership(joined('!kept:x.org', B));
    const records = [
      { roomId: '!kept:x.org', userId: B, membership: 'leave' as const },
      joined('!new:x.org', A),
      joined('!new:x.org', B),
    ];
    await expect(store.importMemberships(fromArray(records, 2))).rejects.toThrow('input failed');
    expect(await store.mutualRooms(A, B, { limit: 10 })).toEqual({
      roomIds: ['!kept:x.org'],
      count: 1,
      hasMore: false,
    });
  });

  it('can import again after a failed import', async () => {
    await expect(store.importMemberships(fromArray([joined('!r:x.org', A)], 0))).rejects.toThrow();
    expect(await store.importMemberships(fromArray([joined('!r:x.org', A)]))).toEqual({
      records: 1,
      memberships: 1,
    });
  });

  it('finds users by token hash only', async () => {
    await store.addAccessToken(A, hashAccessToken('token-a'));
    expect(await store.findUserByTokenHash(hashAccessToken('token-a'))).toBe(A);
    expect(await store.findUserByTokenHash(hashAccessToken('token-b'))).toBeUndefined();
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
