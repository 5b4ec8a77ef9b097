import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres.js';
import { MIGRATIONS, type Migration, migrate } from '../../src/store/postgres-migrations.js';
import {
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  type TestDatabase,
} from '../helpers/services.js';

const postgres = serviceUrl('DATABASE_URL_TEST');

describe.skipIf(postgres.url === undefined)(suiteName('PostgreSQL migrations', postgres), () => {
  let database: TestDatabase;
  const pools: pg.Pool[] = [];
  const clients: pg.Client[] = [];
  const stores: PostgresStore[] = [];

  function newPool(): pg.Pool {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pools.push(pool);
    return pool;
  }

  async function newClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: database.url });
    clients.push(client);
    await client.connect();
    return client;
  }

  async function tableNames(): Promise<string[]> {
    const result = await newPool().query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    return result.rows.map((row) => row.tablename);
  }

  async function recordedVersions(): Promise<number[]> {
    const result = await newPool().query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    return result.rows.map((row) => row.version);
  }

  beforeEach(async () => {
    database = await createTestDatabase(requireUrl(postgres));
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    await Promise.all(clients.splice(0).map((client) => client.end()));
    await database.drop();
  });

  it('connect creates the schema', async () => {
    stores.push(await PostgresStore.connect(database.url));

    expect(await tableNames()).toEqual(['access_tokens', 'memberships', 'schema_migrations']);
    expect(await recordedVersions()).toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it('migrate twice applies nothing the second time', async () => {
    const client = await newClient();

    const first = await migrate(client);
    const second = await migrate(client);

    expect(first.applied).toEqual([1]);
    expect(second.applied).toEqual([]);
    expect(second.version).toBe(1);
    expect(await recordedVersions()).toEqual([1]);
  });

  it('concurrent connects apply each migration once', async () => {
    const connecting = Array.from({ length: 6 }, () => PostgresStore.connect(database.url, { poolSize: 1 }));
    stores.push(...(await Promise.all(connecting)));

    expect(await recordedVersions()).toEqual([1]);
  });

  it('concurrent migrate calls report one applier', async () => {
    const migrating = Array.from({ length: 6 }, async () => migrate(await newClient()));
    const results = await Promise.all(migrating);

    const appliers = results.filter((result) => result.applied.length > 0);
    expect(appliers).toHaveLength(1);
    expect(appliers[0]?.applied).toEqual([1]);
    expect(results.every((result) => result.version === 1)).toBe(true);
  });

  it('failed migration rolls back only itself', async () => {
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: 2, name: 'add a table then fail', sql: 'CREATE TABLE extra (id int); SELECT 1/0;' },
    ];

    const attempt = migrate(await newClient(), broken);

    await expect(attempt).rejects.toThrow('PostgreSQL migration 2 (add a table then fail) failed');
    expect(await recordedVersions()).toEqual([1]);
    expect(await tableNames()).not.toContain('extra');
  });

  it('failed migration releases the lock', async () => {
    const broken: Migration[] = [{ version: 1, name: 'fail', sql: 'SELECT 1/0' }];
    await expect(migrate(await newClient(), broken)).rejects.toThrow('PostgreSQL migration 1 (fail) failed');

    const result = await migrate(await newClient());

    expect(result.applied).toEqual([1]);
  });

  it('later migration applies on an older schema', async () => {
    await migrate(await newClient());
    const extended: Migration[] = [
      ...MIGRATIONS,
      { version: 2, name: 'add a column', sql: 'ALTER TABLE memberships ADD COLUMN note text' },
    ];

    const result = await migrate(await newClient(), extended);

    expect(result.applied).toEqual([2]);
    expect(await recordedVersions()).toEqual([1, 2]);
  });

  it('newer database schema is accepted', async () => {
    const client = await newClient();
    await migrate(client, [...MIGRATIONS, { version: 2, name: 'future', sql: 'SELECT 1' }]);

    const result = await migrate(client);

    expect(result.applied).toEqual([]);
    expect(result.version).toBe(2);
  });

  it.each([
    { given: [{ version: 0, name: 'zero', sql: '' }], want: '0 follows 0' },
    {
      given: [
        { version: 2, name: 'b', sql: '' },
        { version: 1, name: 'a', sql: '' },
      ],
      want: '1 follows 2',
    },
    { given: [{ version: 1.5, name: 'fraction', sql: '' }], want: '1.5 follows 0' },
  ])('migration order check rejects $want', async ({ given, want }) => {
    await expect(migrate(await newClient(), given)).rejects.toThrow(want);
  });
});
