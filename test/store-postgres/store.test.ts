import { createHash } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres.js';
import { COPY_CHUNK_CHARS } from '../../src/store/postgres-import.js';
import {
  MEMBERSHIPS,
  type Membership,
  type MembershipRecord,
  StoreUnavailableError,
} from '../../src/store/types.js';
import {
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  type TestDatabase,
  waitFor,
} from '../helpers/services.js';

const postgres = serviceUrl('DATABASE_URL_TEST');

function member(roomId: string, userId: string, membership: Membership = 'join'): MembershipRecord {
  return { roomId, userId, membership };
}

async function* fromArray(records: readonly MembershipRecord[]): AsyncGenerator<MembershipRecord> {
  yield* records;
}

async function* failingAfter(
  records: readonly MembershipRecord[],
  error: Error,
): AsyncGenerator<MembershipRecord> {
  yield* records;
  throw error;
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Sorts like PostgreSQL's "C" collation: by UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

describe.skipIf(postgres.url === undefined)(suiteName('PostgresStore', postgres), () => {
  let database: TestDatabase;
  let store: PostgresStore;
  let admin: pg.Pool;

  async function allMemberships(): Promise<MembershipRecord[]> {
    const result = await admin.query<{ room_id: string; user_id: string; membership: Membership }>(
      'SELECT room_id, user_id, membership FROM memberships ORDER BY room_id, user_id',
    );
    return result.rows.map((row) => member(row.room_id, row.user_id, row.membership));
  }

  async function allPages(userA: string, userB: string, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let after: string | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const result = await store.mutualRooms(
        userA,
        userB,
        after === undefined ? { limit } : { limit, after },
      );
      pages.push(result.roomIds);
      if (!result.hasMore) {
        return pages;
      }
      after = result.roomIds.at(-1);
    }
    throw new Error('pagination did not end within 1000 pages');
  }

  beforeAll(async () => {
    database = await createTestDatabase(requireUrl(postgres));
    store = await PostgresStore.connect(database.url, { poolSize: 4 });
    admin = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    await database?.drop();
  });

  beforeEach(async () => {
    await admin.query('TRUNCATE memberships, access_tokens');
  });

  describe('mutualRooms', () => {
    const alice = '@alice:example.org';
    const bob = '@bob:example.org';

    it.each([
      { name: 'both joined', given: [member('!r', alice), member('!r', bob)], want: ['!r'] },
      { name: 'only one joined', given: [member('!r', alice)], want: [] },
      { name: 'other invited', given: [member('!r', alice), member('!r', bob, 'invite')], want: [] },
      { name: 'other left', given: [member('!r', alice, 'leave'), member('!r', bob)], want: [] },
      {
        name: 'other banned or knocking',
        given: [
          member('!a', alice),
          member('!a', bob, 'ban'),
          member('!b', alice),
          member('!b', bob, 'knock'),
        ],
        want: [],
      },
      {
        name: 'byte order of room IDs',
        given: ['!b', '!B', '!a', '!é', '!~', '!\u{1F600}', '!\uFFE0'].flatMap((room) => [
          member(room, alice),
          member(room, bob),
        ]),
        want: ['!B', '!a', '!b', '!~', '!é', '!\uFFE0', '!\u{1F600}'],
      },
    ])('$name', async ({ given, want }) => {
      await store.importMemberships(fromArray(given));

      const page = await store.mutualRooms(alice, bob, { limit: 100 });

      expect(page.roomIds).toEqual(want);
      expect(page.count).toBe(want.length);
      expect(page.hasMore).toBe(false);
    });

    it('is symmetric in the two users', async () => {
      await store.importMemberships(fromArray([member('!r', alice), member('!r', bob), member('!s', alice)]));

      const forward = await store.mutualRooms(alice, bob, { limit: 10 });
      const backward = await store.mutualRooms(bob, alice, { limit: 10 });

      expect(backward).toEqual(forward);
    });

    it('user with itself lists its joined rooms', async () => {
      await store.importMemberships(fromArray([member('!r', alice), member('!s', alice, 'leave')]));

      const page = await store.mutualRooms(alice, alice, { limit: 10 });

      expect(page.roomIds).toEqual(['!r']);
    });

    it('pages with a keyset cursor', async () => {
      const rooms = ['!a', '!b', '!c', '!d', '!e'];
      await store.importMemberships(
        fromArray(rooms.flatMap((room) => [member(room, alice), member(room, bob)])),
      );

      const first = await store.mutualRooms(alice, bob, { limit: 2 });
      const second = await store.mutualRooms(alice, bob, { limit: 2, after: '!b' });
      const last = await store.mutualRooms(alice, bob, { limit: 2, after: '!d' });

      expect(first).toEqual({ roomIds: ['!a', '!b'], count: 5, hasMore: true });
      expect(second).toEqual({ roomIds: ['!c', '!d'], count: 5, hasMore: true });
      expect(last).toEqual({ roomIds: ['!e'], count: 5, hasMore: false });
    });

    it.each([
      { name: 'cursor between rooms', after: '!bb', want: ['!c'] },
      { name: 'cursor of a room since left', after: '!a', want: ['!b', '!c'] },
      { name: 'cursor after the last room', after: '!z', want: [] },
      { name: 'cursor before every room', after: '!', want: ['!a', '!b', '!c'] },
    ])('keyset $name', async ({ after, want }) => {
      const rooms = ['!a', '!b', '!c'];
      await store.importMemberships(
        fromArray(rooms.flatMap((room) => [member(room, alice), member(room, bob)])),
      );

      const page = await store.mutualRooms(alice, bob, { limit: 10, after });

      expect(page.roomIds).toEqual(want);
      expect(page.count).toBe(3);
      expect(page.hasMore).toBe(false);
    });

    it('page exactly full reports no more', async () => {
      await store.importMemberships(
        fromArray(['!a', '!b'].flatMap((room) => [member(room, alice), member(room, bob)])),
      );

      const page = await store.mutualRooms(alice, bob, { limit: 2 });

      expect(page.hasMore).toBe(false);
    });

    it.each([0, -1, 1.5, Number.NaN])('rejects limit %s', async (limit) => {
      await expect(store.mutualRooms(alice, bob, { limit })).rejects.toThrow(RangeError);
    });

    it('matches a brute-force intersection', async () => {
      const users = ['@u0:x', '@u1:x', '@u2:x', '@u3:x'];
      const roomIds = ['!a', '!B', '!b', '!é', '!\uFFE0', '!\u{1F600}', '!a:x', '!z', '!0', '!~'];
      const record = fc.record({
        roomId: fc.constantFrom(...roomIds),
        userId: fc.constantFrom(...users),
        membership: fc.constantFrom(...MEMBERSHIPS),
      });

      await fc.assert(
        fc.asyncProperty(
          fc.array(record, { maxLength: 60 }),
          fc.constantFrom(...users),
          fc.constantFrom(...users),
          fc.integer({ min: 1, max: 4 }),
          async (records, userA, userB, limit) => {
            await admin.query('TRUNCATE memberships');
            await store.importMemberships(fromArray(records));

            const latest = new Map<string, Membership>();
            for (const { roomId, userId, membership } of records) {
              latest.set(`${roomId}\n${userId}`, membership);
            }
            const joined = (userId: string, roomId: string) => latest.get(`${roomId}\n${userId}`) === 'join';
            const want = roomIds.filter((room) => joined(userA, room) && joined(userB, room)).sort(byteOrder);

            const pages = await allPages(userA, userB, limit);
            const first = await store.mutualRooms(userA, userB, { limit });

            expect(pages.flat()).toEqual(want);
            expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
            expect(first.count).toBe(want.length);
          },
        ),
        { numRuns: 60 },
      );
    }, 60_000);
  });

  describe('importMemberships', () => {
    it('stores every record', async () => {
      const records = [member('!a', '@x:s'), member('!a', '@y:s', 'invite'), member('!b', '@x:s', 'ban')];

      const stats = await store.importMemberships(fromArray(records));

      expect(stats).toEqual({ records: 3, memberships: 3 });
      expect(await allMemberships()).toEqual(records);
    });

    it('analyzes and vacuums imported rows', async () => {
      const records = Array.from({ length: 500 }, (_, index) => member(`!r${index % 50}`, `@u${index}:s`));
      await store.importMemberships(fromArray(records));

      const stats = await admin.query<{ reltuples: number; columns: number; pages: number; visible: number }>(
        `SELECT c.reltuples::float8 AS reltuples, c.relpages AS pages, c.relallvisible AS visible,
                (SELECT count(*) FROM pg_stats WHERE tablename = 'memberships')::int AS columns
         FROM pg_class c WHERE c.relname = 'memberships'`,
      );
      expect(stats.rows[0]?.reltuples).toBe(500);
      expect(stats.rows[0]?.columns).toBeGreaterThanOrEqual(3);
      // VACUUM marked every page all-visible, so index-only scans skip the table.
      expect(stats.rows[0]?.pages).toBeGreaterThan(0);
      expect(stats.rows[0]?.visible).toBe(stats.rows[0]?.pages);
    });

    it('reports stored rows on failed VACUUM', async () => {
      const locker = await admin.connect();
      try {
        // The lock lets the import commit and holds its VACUUM, whose connection then ends.
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE memberships IN SHARE UPDATE EXCLUSIVE MODE');
        const importing = store.importMemberships(fromArray([member('!a', '@x:s'), member('!b', '@x:s')]));
        const outcome = importing.then(
          () => undefined,
          (error: unknown) => error,
        );
        const pid = await vi.waitFor(
          async () => {
            const waiting = await admin.query<{ pid: number }>(
              "SELECT pid FROM pg_stat_activity WHERE query LIKE 'VACUUM%' AND wait_event_type = 'Lock'",
            );
            const row = waiting.rows[0];
            if (row === undefined) throw new Error('the VACUUM does not wait for the lock yet');
            return row.pid;
          },
          { timeout: 10_000, interval: 50 },
        );
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        const error = await outcome;
        // A lost connection makes it a StoreUnavailableError. Its message still names the stored rows.
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toMatch(
          /^PostgreSQL is unavailable: imported 2 records into 2 memberships, but VACUUM \(ANALYZE\) memberships failed afterwards: /,
        );
        expect((error as Error).message).toMatch(
          /The memberships are stored; run VACUUM \(ANALYZE\) memberships/,
        );
      } finally {
        await locker.query('ROLLBACK');
        locker.release();
      }
      expect(await allMemberships()).toEqual([member('!a', '@x:s'), member('!b', '@x:s')]);
    });

    it('keeps COPY control characters in values', async () => {
      const roomIds = [
        '!tab\there',
        '!new\nline',
        '!cr\rhere',
        '!back\\slash',
        '\\.',
        '\\N',
        '!"quoted",comma',
      ];
      const records = roomIds.map((roomId) => member(roomId, '@x\\y\t:s'));

      await store.importMemberships(fromArray(records));

      expect(await allMemberships()).toEqual([...records].sort((a, b) => byteOrder(a.roomId, b.roomId)));
    });

    it('loads through COPY FROM STDIN', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chunk = Array.from({ length: COPY_CHUNK_CHARS / 8 }, (_, index) => member(`!c${index}`, '@x:s'));
      const importing = store.importMemberships(
        (async function* () {
          yield* chunk;
          await released;
          yield member('!last', '@x:s');
        })(),
      );

      let progress: { command: string; type: string }[] = [];
      try {
        await waitFor(async () => {
          const result = await admin.query<{ command: string; type: string }>(
            `SELECT command, type FROM pg_stat_progress_copy
             WHERE datname = current_database() AND tuples_processed > 0`,
          );
          progress = result.rows;
          return progress.length > 0;
        });
      } finally {
        release();
      }

      expect(progress).toEqual([{ command: 'COPY FROM', type: 'PIPE' }]);
      expect(await importing).toEqual({ records: chunk.length + 1, memberships: chunk.length + 1 });
    });

    it('later record wins within one import', async () => {
      const records = [
        member('!a', '@x:s', 'invite'),
        member('!a', '@x:s', 'join'),
        member('!b', '@x:s', 'join'),
        member('!a', '@x:s', 'leave'),
      ];

      const stats = await store.importMemberships(fromArray(records));

      expect(stats).toEqual({ records: 4, memberships: 2 });
      expect(await allMemberships()).toEqual([member('!a', '@x:s', 'leave'), member('!b', '@x:s', 'join')]);
    });

    it('later record wins across COPY chunks', async () => {
      // Each row has more than 8 characters, so the filler spans several chunks.
      const filler = Array.from({ length: COPY_CHUNK_CHARS / 8 }, (_, index) => member(`!f${index}`, '@x:s'));
      const records = [member('!a', '@x:s', 'join'), ...filler, member('!a', '@x:s', 'ban')];

      const stats = await store.importMemberships(fromArray(records));

      expect(stats.records).toBe(records.length);
      expect(stats.memberships).toBe(filler.length + 1);
      const stored = await admin.query(`SELECT membership FROM memberships WHERE room_id = '!a'`);
      expect(stored.rows).toEqual([{ membership: 'ban' }]);
    });

    it('replaces existing memberships', async () => {
      await store.setMembership(member('!a', '@x:s', 'join'));

      await store.importMemberships(fromArray([member('!a', '@x:s', 'leave')]));

      expect(await allMemberships()).toEqual([member('!a', '@x:s', 'leave')]);
    });

    it('empty input changes nothing', async () => {
      await store.setMembership(member('!a', '@x:s'));

      const stats = await store.importMemberships(fromArray([]));

      expect(stats).toEqual({ records: 0, memberships: 0 });
      expect(await allMemberships()).toEqual([member('!a', '@x:s')]);
    });

    it('failing input applies nothing', async () => {
      const before = [member('!a', '@x:s', 'join')];
      await store.importMemberships(fromArray(before));
      const chunkAndMore = Array.from({ length: COPY_CHUNK_CHARS / 8 }, (_, index) =>
        member(`!n${index}`, '@x:s'),
      );
      const failure = new Error('line 5002: invalid room ID');

      const attempt = store.importMemberships(
        failingAfter([member('!a', '@x:s', 'leave'), ...chunkAndMore], failure),
      );

      await expect(attempt).rejects.toBe(failure);
      expect(await allMemberships()).toEqual(before);
    });

    it('input error is rethrown unchanged', async () => {
      const failure = Object.assign(new Error('read failed'), { code: 'ECONNRESET' });

      const attempt = store.importMemberships(failingAfter([member('!a', '@x:s')], failure));

      await expect(attempt).rejects.toBe(failure);
    });

    it.each([
      {
        name: 'unknown membership',
        given: { roomId: '!a', userId: '@x:s', membership: 'joined' } as unknown as MembershipRecord,
        want: 'record 2: membership "joined" is invalid; expected one of join, invite, leave, ban, knock',
      },
      {
        name: 'empty room ID',
        given: member('', '@x:s'),
        want: 'record 2: roomId must be a non-empty string',
      },
      {
        name: 'NUL in user ID',
        given: member('!a', '@x\u0000:s'),
        want: 'record 2: userId "@x\\u0000:s" contains U+0000',
      },
    ])('rejects $name and applies nothing', async ({ given, want }) => {
      const attempt = store.importMemberships(fromArray([member('!ok', '@x:s'), given]));

      await expect(attempt).rejects.toThrow(want);
      expect(await allMemberships()).toEqual([]);
    });

    it('connection is reusable after a failed import', async () => {
      const pooled = await PostgresStore.connect(database.url, { poolSize: 1 });
      try {
        await expect(
          pooled.importMemberships(failingAfter([member('!a', '@x:s')], new Error('bad'))),
        ).rejects.toThrow('bad');

        await pooled.setMembership(member('!b', '@x:s'));

        expect(await allMemberships()).toEqual([member('!b', '@x:s')]);
      } finally {
        await pooled.close();
      }
    });
  });

  describe('setMembership', () => {
    it('inserts then updates one membership', async () => {
      await store.setMembership(member('!a', '@x:s', 'invite'));
      await store.setMembership(member('!a', '@x:s', 'join'));

      expect(await allMemberships()).toEqual([member('!a', '@x:s', 'join')]);
    });

    it('rejects an unknown membership', async () => {
      const invalid = { roomId: '!a', userId: '@x:s', membership: 'joined' } as unknown as MembershipRecord;

      await expect(store.setMembership(invalid)).rejects.toThrow('memberships_membership_check');
    });
  });

  describe('access tokens', () => {
    it('finds the user by token hash', async () => {
      await store.addAccessToken('@alice:s', sha256('secret-a'));
      await store.addAccessToken('@bob:s', sha256('secret-b'));

      expect(await store.findUserByTokenHash(sha256('secret-a'))).toBe('@alice:s');
      expect(await store.findUserByTokenHash(sha256('secret-b'))).toBe('@bob:s');
      expect(await store.findUserByTokenHash(sha256('unknown'))).toBeUndefined();
    });

    it('stores only the 32-byte hash', async () => {
      await store.addAccessToken('@alice:s', sha256('secret-a'));

      const result = await admin.query<{ token_hash: Buffer }>('SELECT token_hash FROM access_tokens');

      expect(result.rows).toHaveLength(1);
      expect(result.rows[0]?.token_hash.equals(sha256('secret-a'))).toBe(true);
      const columns = await admin.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'access_tokens' ORDER BY column_name`,
      );
      expect(columns.rows.map((row) => row.column_name)).toEqual(['created_at', 'token_hash', 'user_id']);
    });

    it('adding a known hash again moves it', async () => {
      await store.addAccessToken('@alice:s', sha256('t'));
      await store.addAccessToken('@bob:s', sha256('t'));

      expect(await store.findUserByTokenHash(sha256('t'))).toBe('@bob:s');
    });

    it.each([0, 31, 33])('rejects a %i-byte hash', async (length) => {
      const hash = Buffer.alloc(length);

      await expect(store.addAccessToken('@alice:s', hash)).rejects.toThrow(
        `tokenHash must be a 32-byte SHA-256 digest, got ${length} bytes`,
      );
      await expect(store.findUserByTokenHash(hash)).rejects.toThrow(RangeError);
    });
  });

  describe('pool', () => {
    it('ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('opens at most poolSize connections', async () => {
      const applicationName = `pool-size-test-${process.pid}`;
      const small = await PostgresStore.connect(database.url, { poolSize: 2, applicationName });
      const countConnections = async (condition: string) => {
        const result = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND ${condition}`,
          [applicationName],
        );
        return result.rows[0]?.n;
      };
      const locker = await admin.connect();
      let locked = false;
      try {
        // An exclusive lock blocks every query on memberships until the lock is released.
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE');
        locked = true;
        const queries = Array.from({ length: 3 }, () => small.mutualRooms('@a:s', '@b:s', { limit: 1 }));
        await waitFor(async () => ((await countConnections(`wait_event_type = 'Lock'`)) ?? 0) >= 2);

        expect(small.poolStats()).toEqual({ total: 2, idle: 0, waiting: 1 });
        expect(await countConnections('true')).toBe(2);

        await locker.query('COMMIT');
        locked = false;
        const pages = await Promise.all(queries);
        expect(pages.map((page) => page.count)).toEqual([0, 0, 0]);
        expect(small.poolStats()).toEqual({ total: 2, idle: 2, waiting: 0 });
      } finally {
        if (locked) {
          await locker.query('ROLLBACK');
        }
        locker.release();
        await small.close();
      }
    });

    it.each([0, -1, 2.5])('rejects poolSize %s', async (poolSize) => {
      await expect(PostgresStore.connect(database.url, { poolSize })).rejects.toThrow(
        `poolSize must be a positive integer, got ${poolSize}`,
      );
    });

    it('close is idempotent', async () => {
      const extra = await PostgresStore.connect(database.url, { poolSize: 1 });

      await extra.close();

      await expect(extra.close()).resolves.toBeUndefined();
    });
  });
});
