import pg from 'pg';
import { it } from 'vitest';
import { mutualRoomsStatement, PostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase } from '../helpers/services.js';
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
  ANALYZE memberships;`;
it('explain', async () => {
  const db = await createTestDatabase(process.env.DATABASE_URL_TEST!);
  const store = await PostgresStore.connect(db.url); await store.close();
  const admin = new pg.Client({ connectionString: db.url }); await admin.connect();
  await admin.query(SEED);
  for (const q of [{ limit: 10, after: '!shared30:example.org' }, { limit: 10 }]) {
    const st = mutualRoomsStatement('@user1:example.org', '@user2:example.org', q);
    const r = await admin.query(`EXPLAIN (COSTS OFF) ${st.text}`, st.values);
    console.log(r.rows.map((row) => row['QUERY PLAN']).join('\n'));
  }
  await admin.end(); await db.drop();
}, 120000);
