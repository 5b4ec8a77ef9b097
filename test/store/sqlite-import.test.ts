import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { BatchedRecords, Membership, MembershipRecord } from '../../src/store/types.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const A = '@a:x.org';
const B = '@b:x.org';

const dirs = createTempDirs('mutual-rooms-sqlite-import');
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(() => dirs.cleanup());

function openStore(path = join(dirs.make(), 'test.db')): SqliteStore {
  const store = SqliteStore.open(path);
  stores.push(store);
  return store;
}

async function* fromArray(
  records: readonly MembershipRecord[],
  failAfter?: number,
): AsyncGenerator<MembershipRecord> {
  for (const [index, record] of records.entries()) {
    if (index === failAfter) throw new Error('input failed');
    yield record;
  }
}

const record = (roomId: string, userId: string, membership: Membership = 'join'): MembershipRecord => ({
  roomId,
  userId,
  membership,
});

/** Rows and indexes of the memberships table, read through a connection of its own. */
function readTable(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare<[], { room_id: string; user_id: string; membership: string }>(
        'SELECT room_id, user_id, membership FROM memberships ORDER BY room_id, user_id',
      )
      .all()
      .map((row) => `${row.room_id} ${row.user_id} ${row.membership}`);
    const indexes = db
      .prepare<[], { sql: string }>(
        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'memberships' AND sql IS NOT NULL",
      )
      .all()
      .map((row) => row.sql);
    return { rows, indexes };
  } finally {
    db.close();
  }
}

/** 250 rooms of A and B: more than two full multi-row statements and a remainder. */
const manyRecords = Array.from({ length: 125 }, (_, room) => [
  record(`!${String(room).padStart(3, '0')}:x.org`, A),
  record(`!${String(room).padStart(3, '0')}:x.org`, B),
]).flat();

describe('SqliteStore.importMemberships', () => {
  it('applies the last record of a pair across statement batches', async () => {
    const store = openStore();
    const records = [...manyRecords, record('!000:x.org', B, 'leave'), record('!124:x.org', A, 'ban')];
    expect(await store.importMemberships(fromArray(records))).toEqual({ records: 252, memberships: 250 });

    const { rows } = readTable(store.path);
    expect(rows).toHaveLength(250);
    expect(rows).toContain(`!000:x.org ${B} leave`);
    expect(rows).toContain(`!124:x.org ${A} ban`);
    expect((await store.mutualRooms(A, B, { limit: 200 })).count).toBe(123);
  });

  it('rebuilds the indexes after loading an empty table', async () => {
    const store = openStore();
    const before = readTable(store.path).indexes;
    await store.importMemberships(fromArray(manyRecords));

    expect(readTable(store.path).indexes).toEqual(before);
    expect(before).toHaveLength(1);
    expect(store.explainMutualRooms()).toContain('MERGE (INTERSECT)');
    expect((await store.mutualRooms(A, B, { limit: 10 })).count).toBe(125);
  });

  it('restores the indexes when an import into an empty table fails', async () => {
    const store = openStore();
    const before = readTable(store.path).indexes;
    await expect(store.importMemberships(fromArray(manyRecords, 240))).rejects.toThrow('input failed');

    expect(readTable(store.path)).toEqual({ rows: [], indexes: before });
  });

  it('counts distinct pairs of the input when the table has rows', async () => {
    const store = openStore();
    await store.setMembership(record('!r:x.org', A));
    await store.setMembership(record('!old:x.org', A));
    const stats = await store.importMemberships(
      fromArray([
        record('!r:x.org', A, 'leave'),
        record('!r:x.org', B),
        record('!r:x.org', A),
        record('!s:x.org', B),
        record('!r:x.org', B, 'invite'),
      ]),
    );

    expect(stats).toEqual({ records: 5, memberships: 3 });
    expect(readTable(store.path).rows).toEqual([
      `!old:x.org ${A} join`,
      `!r:x.org ${A} join`,
      `!r:x.org ${B} invite`,
      `!s:x.org ${B} join`,
    ]);
  });

  it('imports an empty input', async () => {
    const store = openStore();
    expect(await store.importMemberships(fromArray([]))).toEqual({ records: 0, memberships: 0 });
    expect(readTable(store.path).indexes).toHaveLength(1);
  });

  it('reads batched records a batch at a time', async () => {
    const store = openStore();
    const records: BatchedRecords = {
      [Symbol.asyncIterator]: () => {
        throw new Error('read record by record');
      },
      async *batches() {
        yield manyRecords.slice(0, 130);
        yield manyRecords.slice(130);
      },
    };
    expect(await store.importMemberships(records)).toEqual({ records: 250, memberships: 250 });
    expect((await store.mutualRooms(A, B, { limit: 1 })).count).toBe(125);
  });

  it('imports into an in-memory database again after a failure', async () => {
    const store = openStore(':memory:');
    await store.importMemberships(fromArray(manyRecords));
    await expect(store.importMemberships(fromArray(manyRecords, 10))).rejects.toThrow('input failed');
    await store.importMemberships(fromArray(manyRecords.slice(0, 3)));

    expect((await store.mutualRooms(A, B, { limit: 1 })).count).toBe(125);
  });
});
