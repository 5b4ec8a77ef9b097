import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './sqlite-migrations.js';
import type {
  ImportStats,
  MembershipRecord,
  MembershipStore,
  MutualRoomsPage,
  MutualRoomsQuery,
} from './types.js';

const IN_MEMORY = ':memory:';
const SECRET_KEY = 'pagination_token_secret';

/**
 * Mutual rooms of `:a` and `:b` after `:after`, as a merge of two ranges of the partial index
 * `memberships_joined_by_user` (EXPLAIN QUERY PLAN: MERGE (INTERSECT) of two covering index
 * searches). The literal `membership = 'join'` lets SQLite use the partial index.
 */
const MUTUAL_ROOMS_PAGE_SQL = `
  SELECT room_id FROM memberships WHERE user_id = :a AND membership = 'join' AND room_id > :after
  INTERSECT
  SELECT room_id FROM memberships WHERE user_id = :b AND membership = 'join' AND room_id > :after
  ORDER BY room_id
  LIMIT :limit`;

const MUTUAL_ROOMS_COUNT_SQL = `
  SELECT count(*) AS count FROM (
    SELECT room_id FROM memberships WHERE user_id = :a AND membership = 'join'
    INTERSECT
    SELECT room_id FROM memberships WHERE user_id = :b AND membership = 'join'
  )`;

const UPSERT_MEMBERSHIP_SQL = `
  INSERT INTO memberships (room_id, user_id, membership) VALUES (?, ?, ?)
  ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership`;

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** How long a write waits for another connection's write lock before failing, in ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * A MembershipStore in one SQLite file (better-sqlite3, WAL mode), created with its parent folder
 * on first use. Room IDs compare by bytes (BINARY collation on UTF-8).
 */
export class SqliteStore implements MembershipStore {
  readonly #db: Database.Database;
  readonly #busyTimeoutMs: number;

  private constructor(
    readonly path: string,
    db: Database.Database,
    busyTimeoutMs: number,
  ) {
    this.#db = db;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /** Opens or creates the database at `path` (or `:memory:`) and applies pending migrations. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (path !== IN_MEMORY) mkdirSync(dirname(path), { recursive: true });
    const db = openConnection(path, busyTimeoutMs);
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(path, db, busyTimeoutMs);
  }

  async mutualRooms(userA: string, userB: string, query: MutualRoomsQuery): Promise<MutualRoomsPage> {
    const rows = this.#db
      .prepare<{ a: string; b: string; after: string; limit: number }, { room_id: string }>(
        MUTUAL_ROOMS_PAGE_SQL,
      )
      .all({ a: userA, b: userB, after: query.after ?? '', limit: query.limit + 1 });
    const counted = this.#db
      .prepare<{ a: string; b: string }, { count: number }>(MUTUAL_ROOMS_COUNT_SQL)
      .get({ a: userA, b: userB });

    const roomIds = rows.slice(0, query.limit).map((row) => row.room_id);
    return { roomIds, count: counted?.count ?? 0, hasMore: rows.length > query.limit };
  }

  /**
   * Applies the records in one transaction on a connection of its own, so readers of this store
   * keep reading the last committed data until the import commits. An in-memory database has
   * only one connection, whose queries then also return the rows of an import in progress.
   */
  async importMemberships(records: AsyncIterable<MembershipRecord>): Promise<ImportStats> {
    const db = this.path === IN_MEMORY ? this.#db : openConnection(this.path, this.#busyTimeoutMs);
    try {
      db.exec('BEGIN IMMEDIATE');
      const stats = await applyRecords(db, records);
      db.exec('COMMIT');
      return stats;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    } finally {
      if (db !== this.#db) db.close();
    }
  }

  async setMembership(record: MembershipRecord): Promise<void> {
    this.#db.prepare(UPSERT_MEMBERSHIP_SQL).run(record.roomId, record.userId, record.membership);
  }

  async addAccessToken(userId: string, tokenHash: Buffer): Promise<void> {
    this.#db
      .prepare('INSERT INTO access_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)')
      .run(tokenHash, userId, Date.now());
  }

  async findUserByTokenHash(tokenHash: Buffer): Promise<string | undefined> {
    const row = this.#db
      .prepare<[Buffer], { user_id: string }>('SELECT user_id FROM access_tokens WHERE token_hash = ?')
      .get(tokenHash);
    return row?.user_id;
  }

  async ensureServerSecret(generate: () => Buffer): Promise<Buffer> {
    // INSERT OR IGNORE keeps the first secret when two processes start on a new database at once.
    this.#db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(SECRET_KEY, generate());
    const secret = this.readMeta(SECRET_KEY);
    if (secret === undefined) throw new Error(`meta key ${SECRET_KEY} is missing right after insertion`);
    return secret;
  }

  /** Returns a value of the `meta` table, such as markers of one-time setup steps. */
  readMeta(key: string): Buffer | undefined {
    const row = this.#db
      .prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE key = ?')
      .get(key);
    return row === undefined ? undefined : Buffer.from(row.value);
  }

  /** Stores a value in the `meta` table, replacing any earlier one. */
  writeMeta(key: string, value: Buffer | string): void {
    this.#db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  /** Returns SQLite's plan for the mutual-rooms page query, one line per plan step. */
  explainMutualRooms(): string[] {
    const rows = this.#db
      .prepare<{ a: string; b: string; after: string; limit: number }, { detail: string }>(
        `EXPLAIN QUERY PLAN ${MUTUAL_ROOMS_PAGE_SQL}`,
      )
      .all({ a: '', b: '', after: '', limit: 1 });
    return rows.map((row) => row.detail);
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function openConnection(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path, { timeout: busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/** Writes each record inside the caller's open transaction and counts distinct (room, user) pairs. */
async function applyRecords(
  db: Database.Database,
  records: AsyncIterable<MembershipRecord>,
): Promise<ImportStats> {
  // The pairs seen so far live in a temporary table, so a file far larger than memory is fine.
  db.exec(
    'CREATE TEMP TABLE import_seen (room_id TEXT, user_id TEXT, PRIMARY KEY (room_id, user_id)) WITHOUT ROWID',
  );
  const upsert = db.prepare(UPSERT_MEMBERSHIP_SQL);
  const markSeen = db.prepare('INSERT OR IGNORE INTO temp.import_seen (room_id, user_id) VALUES (?, ?)');

  let recordCount = 0;
  let membershipCount = 0;
  for await (const record of records) {
    upsert.run(record.roomId, record.userId, record.membership);
    membershipCount += markSeen.run(record.roomId, record.userId).changes;
    recordCount += 1;
  }
  db.exec('DROP TABLE temp.import_seen');
  return { records: recordCount, memberships: membershipCount };
}
