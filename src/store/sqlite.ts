import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import { CountCache } from './count-cache.js';
import { mergeStagedImport, stageImport } from './sqlite-import.js';
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

/** Page cache of an import connection, in KiB (negative cache_size): 64 MiB instead of 16 MiB. */
const IMPORT_CACHE_KIB = 65_536;

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
  /** Pairs of users whose mutual-room count is cached; 0 turns the cache off. Default 10,000. */
  readonly countCacheSize?: number;
}

/** The statements of the store's own connection, prepared once when the store opens. */
interface Statements {
  readonly page: Statement<[{ a: string; b: string; after: string; limit: number }], string>;
  readonly count: Statement<[{ a: string; b: string }], number>;
  readonly dataVersion: Statement<[], number>;
  readonly upsert: Statement<[string, string, string]>;
  readonly addToken: Statement<[Buffer, string, number]>;
  readonly userByTokenHash: Statement<[Buffer], string>;
  readonly insertMetaIfMissing: Statement<[string, Buffer]>;
  readonly readMeta: Statement<[string], Buffer>;
  readonly writeMeta: Statement<[string, Buffer | string]>;
  readonly ping: Statement<[]>;
}

/**
 * A MembershipStore in one SQLite file (better-sqlite3, WAL mode), created with its parent folder
 * on first use. Room IDs compare by bytes (BINARY collation on UTF-8).
 */
export class SqliteStore implements MembershipStore {
  readonly #db: Database.Database;
  readonly #busyTimeoutMs: number;
  readonly #statements: Statements;
  readonly #counts: CountCache;
  /** `PRAGMA data_version` when the cached counts were computed. */
  #countsDataVersion: number | undefined;

  private constructor(
    readonly path: string,
    db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.#db = db;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#statements = prepareStatements(db);
    this.#counts = new CountCache(options.countCacheSize ?? 10_000);
  }

  /** Opens or creates the database at `path` (or `:memory:`) and applies pending migrations. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (path !== IN_MEMORY) mkdirSync(dirname(path), { recursive: true });
    const db = openConnection(path, options.busyTimeoutMs ?? 5000);
    try {
      migrate(db);
      return new SqliteStore(path, db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Pairs whose mutual-room count is cached, for tests and diagnostics. */
  get cachedCounts(): number {
    return this.#counts.size;
  }

  async mutualRooms(userA: string, userB: string, query: MutualRoomsQuery): Promise<MutualRoomsPage> {
    const roomIds = this.#statements.page.all({
      a: userA,
      b: userB,
      after: query.after ?? '',
      limit: query.limit + 1,
    });
    const hasMore = roomIds.length > query.limit;
    if (hasMore) roomIds.length = query.limit;
    // A first page that contains every mutual room gives the count itself, as for most typical pairs.
    const count = query.after === undefined && !hasMore ? roomIds.length : this.#count(userA, userB);
    return { roomIds, count, hasMore };
  }

  /**
   * Returns the number of mutual rooms, from the cache when the database has not changed since
   * it was counted. Counting a heavy pair intersects all its shared rooms (about 2 ms for 6,000),
   * and every page of the pair returns the same count.
   *
   * The cache is cleared when another connection, such as `mutual-rooms import` in another
   * process, has committed since the counts were taken: `PRAGMA data_version` changes exactly
   * then. It does not change for commits on this connection, so this store's own writes clear the
   * cache themselves. A cached count is therefore never older than the last commit. Counting
   * rooms on every write or keeping counts in a table would cost every write instead.
   */
  #count(userA: string, userB: string): number {
    const dataVersion = this.#statements.dataVersion.get() as number;
    if (dataVersion !== this.#countsDataVersion) {
      this.#counts.clear();
      this.#countsDataVersion = dataVersion;
    }
    const cached = this.#counts.get(userA, userB);
    if (cached !== undefined) return cached;

    const count = this.#statements.count.get({ a: userA, b: userB }) ?? 0;
    this.#counts.set(userA, userB, count);
    return count;
  }

  /**
   * Applies the records in one transaction on a connection of its own, so readers of this store
   * keep reading the last committed data until the import commits. An in-memory database has
   * only one connection, but the rows reach `memberships` only in the synchronous merge right
   * before the commit, so its readers do not see an import in progress either.
   *
   * `synchronous` stays NORMAL: in WAL mode a commit then writes the WAL without waiting for the
   * disk, and only checkpoints sync. OFF would also skip those syncs, and a power loss during a
   * checkpoint could then corrupt the database, not only lose the last transactions.
   */
  async importMemberships(records: AsyncIterable<MembershipRecord>): Promise<ImportStats> {
    const ownConnection = this.path !== IN_MEMORY;
    const db = ownConnection ? openConnection(this.path, this.#busyTimeoutMs) : this.#db;
    try {
      if (ownConnection) db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
      db.exec('BEGIN IMMEDIATE');
      const recordCount = await stageImport(db, records);
      // No await from the merge to the commit, so no query of this process reads the merged rows
      // of an in-memory database before they are committed.
      const memberships = mergeStagedImport(db);
      db.exec('COMMIT');
      return { records: recordCount, memberships };
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    } finally {
      // Counts read during an import on this connection may include its rolled-back rows.
      this.#counts.clear();
      if (ownConnection) db.close();
    }
  }

  async setMembership(record: MembershipRecord): Promise<void> {
    this.#statements.upsert.run(record.roomId, record.userId, record.membership);
    this.#counts.clear();
  }

  async addAccessToken(userId: string, tokenHash: Buffer): Promise<void> {
    this.#statements.addToken.run(tokenHash, userId, Date.now());
  }

  async findUserByTokenHash(tokenHash: Buffer): Promise<string | undefined> {
    return this.#statements.userByTokenHash.get(tokenHash);
  }

  async ensureServerSecret(generate: () => Buffer): Promise<Buffer> {
    // INSERT OR IGNORE keeps the first secret when two processes start on a new database at once.
    this.#statements.insertMetaIfMissing.run(SECRET_KEY, generate());
    const secret = this.readMeta(SECRET_KEY);
    if (secret === undefined) throw new Error(`meta key ${SECRET_KEY} is missing right after insertion`);
    return secret;
  }

  /** Returns a value of the `meta` table, such as markers of one-time setup steps. */
  readMeta(key: string): Buffer | undefined {
    const value = this.#statements.readMeta.get(key);
    return value === undefined ? undefined : Buffer.from(value);
  }

  /** Stores a value in the `meta` table, replacing any earlier one. */
  writeMeta(key: string, value: Buffer | string): void {
    this.#statements.writeMeta.run(key, value);
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
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function prepareStatements(db: Database.Database): Statements {
  return {
    page: db
      .prepare<[{ a: string; b: string; after: string; limit: number }], string>(MUTUAL_ROOMS_PAGE_SQL)
      .pluck(),
    count: db.prepare<[{ a: string; b: string }], number>(MUTUAL_ROOMS_COUNT_SQL).pluck(),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    upsert: db.prepare(UPSERT_MEMBERSHIP_SQL),
    addToken: db.prepare('INSERT INTO access_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)'),
    userByTokenHash: db
      .prepare<[Buffer], string>('SELECT user_id FROM access_tokens WHERE token_hash = ?')
      .pluck(),
    insertMetaIfMissing: db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
    readMeta: db.prepare<[string], Buffer>('SELECT value FROM meta WHERE key = ?').pluck(),
    writeMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    ping: db.prepare('SELECT 1'),
  };
}

function openConnection(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path, { timeout: busyTimeoutMs });
  // synchronous first: switching a new file to WAL under the default FULL costs an extra fsync.
  db.pragma('synchronous = NORMAL');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}
