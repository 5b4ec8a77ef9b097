import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutualRoomsStatement, PostgresStore } from '../../src/store/postgres.js';
import type { MutualRoomsQuery } from '../../src/store/types.js';
import {
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  type TestDatabase,
} from '../helpers/services.js';

const postgres = serviceUrl('DATABASE_URL_TEST');

// 10,000 users in 100 rooms each make 1,000,000 rows, every tenth membership 'leave'. On top
// come a bot joined to 20,000 rooms and 50 rooms shared by @user1 and @user2.
const SEED = `
  INSERT INTO memberships (room_id, user_id, membership)
  SELECT format('!r%s:example.org', lpad(((u * 7919 + k * 31) % 200000)::text, 6, '0')),
         format('@user%s:example.org', u),
         CASE WHEN k % 10 = 0 THEN 'leave' ELSE 'join' END
  FROM generate_series(0, 9999) AS u, generate_series(0, 99) AS k;

  INSERT INTO memberships (room_id, user_id, membership)
  SELECT format('!r%s:example.org', lpad((n * 10)::text, 6, '0')), '@bot:example.org', 'join'
  FROM generate_series(0, 19999) AS n;

  INSERT INTO memberships (room_id, user_id, membership)
  SELECT format('!shared%s:example.org', n), u, 'join'
  FROM generate_series(1, 50) AS n, unnest(ARRAY['@user1:example.org', '@user2:example.org']) AS u;

  ANALYZE memberships;
`;

const cases: { name: string; userA: string; userB: string; query: MutualRoomsQuery }[] = [
  { name: 'first page', userA: '@user1:example.org', userB: '@user2:example.org', query: { limit: 10 } },
  {
    name: 'page after a cursor',
    userA: '@user1:example.org',
    userB: '@user2:example.org',
    query: { limit: 10, after: '!shared30:example.org' },
  },
  { name: 'bot and a user', userA: '@bot:example.org', userB: '@user7:example.org', query: { limit: 10 } },
];

describe.skipIf(postgres.url === undefined)(
  suiteName('PostgresStore query plan at 1M rows', postgres),
  () => {
    let database: TestDatabase;
    let store: PostgresStore;
    let admin: pg.Pool;

    beforeAll(async () => {
      database = await createTestDatabase(requireUrl(postgres));
      store = await PostgresStore.connect(database.url, { poolSize: 2 });
      admin = new pg.Pool({ connectionString: database.url, max: 1 });
      await admin.query(SEED);
    }, 180_000);

    afterAll(async () => {
      await store?.close();
      await admin?.end();
      await database?.drop();
    });

    it('seed has about 1M rows', async () => {
      const result = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM memberships');

      expect(result.rows[0]?.n).toBe(1_020_100);
    });

    it.each(cases)('$name plan has no Seq Scan on memberships', async ({ userA, userB, query }) => {
      const statement = mutualRoomsStatement(userA, userB, query);

      const result = await admin.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (COSTS OFF) ${statement.text}`,
        statement.values,
      );
      const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');

      expect(plan).not.toMatch(/Seq Scan/);
      expect(plan).toMatch(/memberships_joined_by_user/);
    });

    it('store returns the shared rooms', async () => {
      const first = await store.mutualRooms('@user1:example.org', '@user2:example.org', { limit: 10 });
      const bot = await store.mutualRooms('@bot:example.org', '@bot:example.org', { limit: 1 });

      expect(first.count).toBe(50);
      // '0' (0x30) sorts before ':' (0x3A), so !shared10 to !shared19 precede !shared1.
      expect(first.roomIds[0]).toBe('!shared10:example.org');
      expect(first.roomIds[9]).toBe('!shared19:example.org');
      expect(first.hasMore).toBe(true);
      expect(bot.count).toBe(20_000);
    });
  },
);
