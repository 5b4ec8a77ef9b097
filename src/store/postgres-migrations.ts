import type { ClientBase } from 'pg';

/** One schema change, applied once, in its own transaction. */
export interface Migration {
  /** Ascending from 1, never reused or reordered once released. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The outcome of {@link migrate}. */
export interface MigrationResult {
  /** Versions this call applied, in order. */
  readonly applied: number[];
  /** The highest version recorded in the database afterwards. */
  readonly version: number;
}

/**
 * Session-level advisory lock key that serialises migrations across processes: the ASCII bytes
 * of "mutrooms" as a big-endian 64-bit integer.
 */
export const MIGRATION_LOCK_KEY = 0x6d7574726f6f6d73n;

/**
 * The schema, in order. Room and user IDs use the "C" collation so that comparison, ORDER BY
 * and keyset cursors follow byte order, like SQLite's BINARY collation.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create memberships and access_tokens',
    sql: `
      CREATE TABLE memberships (
        room_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        membership text NOT NULL
          CHECK (membership IN ('join', 'invite', 'leave', 'ban', 'knock')),
        PRIMARY KEY (room_id, user_id)
      );

      -- Serves both sides of the mutual-rooms join: the rooms one user has joined, in room order.
      CREATE INDEX memberships_joined_by_user ON memberships (user_id, room_id)
        WHERE membership = 'join';

      CREATE TABLE access_tokens (
        token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
        user_id text COLLATE "C" NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE INDEX access_tokens_user_id ON access_tokens (user_id);
    `,
  },
];

const CREATE_SCHEMA_MIGRATIONS = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * Applies every migration whose version is not yet in `schema_migrations`. Safe to call from
 * several processes at once: an advisory lock lets one apply while the others wait, and those
 * then find nothing left to do. Versions in the database newer than `migrations` are left alone,
 * so an older release can still start during a rolling deploy. The caller owns `client` and
 * should give it no statement timeout, since waiting for the lock or building an index may take
 * long.
 */
export async function migrate(
  client: ClientBase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  checkOrder(migrations);
  const lockKey = MIGRATION_LOCK_KEY.toString();
  await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
  let result: MigrationResult;
  try {
    result = await applyPending(client, migrations);
  } catch (error) {
    // If the connection is gone, the server has already released the lock with the session.
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    throw error;
  }
  await client.query('SELECT pg_advisory_unlock($1)', [lockKey]);
  return result;
}

async function applyPending(client: ClientBase, migrations: readonly Migration[]): Promise<MigrationResult> {
  await client.query(CREATE_SCHEMA_MIGRATIONS);
  const done = await appliedVersions(client);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) {
      continue;
    }

    await applyOne(client, migration);
    applied.push(migration.version);
    done.add(migration.version);
  }
  return { applied, version: Math.max(0, ...done) };
}

async function appliedVersions(client: ClientBase): Promise<Set<number>> {
  const result = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(result.rows.map((row) => row.version));
}

async function applyOne(client: ClientBase, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    // If ROLLBACK fails too, the connection is broken, and the server ends the transaction
    // when it closes. The first error is the one worth reporting.
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`PostgreSQL migration ${migration.version} (${migration.name}) failed`, {
      cause: error,
    });
  }
}

function checkOrder(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (!Number.isInteger(migration.version) || migration.version <= previous) {
      throw new Error(
        `migration versions must be integers ascending from 1; ${migration.version} follows ${previous}`,
      );
    }
    previous = migration.version;
  }
}
