import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { MembershipRecord } from '../../src/store/types.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const A = '@a:x.org';
const B = '@b:x.org';
const UPSERT = `INSERT INTO memberships (room_id, user_id, membership) VALUES (?, ?, ?)
  ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership`;

const dirs = createTempDirs('mutual-rooms-counts');
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(() => dirs.cleanup());

const joined = (roomId: string, userId: string): MembershipRecord => ({ roomId, userId, membership: 'join' });

async function* fromArray(records: readonly MembershipRecord[]): AsyncGenerator<MembershipRecord> {
  yield* records;
}

/** Opens a store where A and B share three rooms, so a page of two needs the count query. */
async function openSharedStore(path = join(dirs.make(), 'test.db')): Promise<SqliteStore> {
  const store = SqliteStore.open(path);
  stores.push(store);
  for (const roomId of ['!1:x.org', '!2:x.org', '!3:x.org']) {
    await store.setMembership(joined(roomId, A));
    await store.setMembership(joined(roomId, B));
  }
  return store;
}

/** Writes records through a connection of another process, as `mutual-rooms import` would. */
function writeFromAnotherProcess(path: string, records: readonly MembershipRecord[]): void {
  const script = `
    import Database from 'better-sqlite3';
    const db = new Database(process.env.DB_PATH, { timeout: 5000 });
    const upsert = db.prepare(process.env.UPSERT);
    for (const record of JSON.parse(process.env.RECORDS)) {
      upsert.run(record.roomId, record.userId, record.membership);
    }
    db.close();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, DB_PATH: path, UPSERT, RECORDS: JSON.stringify(records) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function writeFromAnotherConnection(path: string, records: readonly MembershipRecord[]): void {
  const db = new Database(path, { timeout: 5000 });
  const upsert = db.prepare(UPSERT);
  db.transaction(() => {
    for (const record of records) upsert.run(record.roomId, record.userId, record.membership);
  })();
  db.close();
}

type Writer = (store: SqliteStore, records: readonly MembershipRecord[]) => Promise<void>;

const writers: [string, Writer][] = [
  [
    'setMembership of the same store',
    async (store, records) => {
      for (const record of records) await store.setMembership(record);
    },
  ],
  [
    'importMemberships of the same store',
    async (store, records) => {
      await store.importMemberships(fromArray(records));
    },
  ],
  ['another connection', async (store, records) => writeFromAnotherConnection(store.path, records)],
  ['another process', async (store, records) => writeFromAnotherProcess(store.path, records)],
];

describe('SqliteStore mutual-room counts', () => {
  it('caches the count of a pair with more than one page', async () => {
    const store = await openSharedStore();
    const first = await store.mutualRooms(A, B, { limit: 2 });
    expect(first).toEqual({ roomIds: ['!1:x.org', '!2:x.org'], count: 3, hasMore: true });
    expect(store.cachedCounts).toBe(1);

    const second = await store.mutualRooms(B, A, { after: '!2:x.org', limit: 2 });
    expect(second).toEqual({ roomIds: ['!3:x.org'], count: 3, hasMore: false });
    expect(store.cachedCounts).toBe(1);
  });

  it('counts a first page that holds every room without the cache', async () => {
    const store = await openSharedStore();
    expect((await store.mutualRooms(A, B, { limit: 3 })).count).toBe(3);
    expect(store.cachedCounts).toBe(0);
  });

  it('caches nothing when the cache size is 0', async () => {
    const store = SqliteStore.open(join(dirs.make(), 'test.db'), { countCacheSize: 0 });
    stores.push(store);
    for (const roomId of ['!1:x.org', '!2:x.org']) {
      await store.setMembership(joined(roomId, A));
      await store.setMembership(joined(roomId, B));
    }
    expect((await store.mutualRooms(A, B, { limit: 1 })).count).toBe(2);
    expect(store.cachedCounts).toBe(0);
  });

  it.each(writers)('serves no stale count after a join by %s', async (_name, write) => {
    const store = await openSharedStore();
    expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(3);

    await write(store, [joined('!4:x.org', A), joined('!4:x.org', B)]);
    expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(4);
    expect((await store.mutualRooms(A, B, { after: '!2:x.org', limit: 2 })).count).toBe(4);
  });

  it.each(writers)('serves no stale count after a leave by %s', async (_name, write) => {
    const store = await openSharedStore();
    expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(3);

    await write(store, [{ roomId: '!3:x.org', userId: B, membership: 'leave' }]);
    expect(await store.mutualRooms(A, B, { limit: 1 })).toEqual({
      roomIds: ['!1:x.org'],
      count: 2,
      hasMore: true,
    });
  });

  it.each(writers.slice(0, 2))(
    'serves no stale count of an in-memory database after %s',
    async (_name, write) => {
      const store = await openSharedStore(':memory:');
      expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(3);

      await write(store, [joined('!4:x.org', A), joined('!4:x.org', B)]);
      expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(4);
    },
  );

  it('keeps counting after an import that rolls back', async () => {
    const store = await openSharedStore();
    expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(3);
    async function* failing(): AsyncGenerator<MembershipRecord> {
      yield joined('!4:x.org', A);
      yield joined('!4:x.org', B);
      throw new Error('input failed');
    }
    await expect(store.importMemberships(failing())).rejects.toThrow('input failed');
    expect((await store.mutualRooms(A, B, { limit: 2 })).count).toBe(3);
  });
});
