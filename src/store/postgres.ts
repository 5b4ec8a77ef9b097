import pg from 'pg';
import type { Logger } from 'pino';
import { isUnavailableError, toStoreError } from './postgres-errors.js';
import { importIntoPostgres } from './postgres-import.js';
import { type MigrationResult, migrate } from './postgres-migrations.js';
import type {
  ImportStats,
  MembershipRecord,
  MembershipStore,
  MutualRoomsPage,
  MutualRoomsQuery,
  StorePoolStats,
} from './types.js';

export interface PostgresStoreOptions {
  /** Maximum number of open connections in the pool. Default 10. */
  readonly poolSize?: number;
  /**
   * Milliseconds to wait for a new connection, or for a free one when the pool is full, before
   * the call fails with StoreUnavailableError. Default 5000.
   */
  readonly connectionTimeoutMs?: number;
  /** Server-side limit for one statement of the pool, in milliseconds. Default 10000. */
  readonly statementTimeoutMs?: number;
  /**
   * Client-side limit for the reply to one statement of the pool, in milliseconds; it catches a
   * server or network that hangs without closing the connection. Default 15000.
   */
  readonly queryTimeoutMs?: number;
  /** Milliseconds after which an idle connection is closed. Default 30000. */
  readonly idleTimeoutMs?: number;
  /** `application_name` of the connections, shown in `pg_stat_activity`. Default "mutual-rooms". */
  readonly applicationName?: string;
  /** Whether {@link PostgresStore.connect} applies pending migrations. Default true. */
  readonly migrate?: boolean;
  /** Receives errors of idle connections. Nothing is logged without it. */
  readonly logger?: Logger;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5000;
const DEFAULT_APPLICATION_NAME = 'mutual-rooms';

// Both sides of the join read the partial index memberships_joined_by_user: the rooms one user
// has joined, already in room order, so a page needs no sort and no scan of other users' rows.
const MUTUAL_JOIN = `
  FROM memberships a
  JOIN memberships b ON b.room_id = a.room_id
  WHERE a.user_id = $1 AND a.membership = 'join'
    AND b.user_id = $2 AND b.membership = 'join'`;

// One statement, so the page and the count come from the same snapshot.
const MUTUAL_ROOMS_FIRST_PAGE = `
  SELECT (SELECT count(*) ${MUTUAL_JOIN})::integer AS count,
    ARRAY(SELECT a.room_id ${MUTUAL_JOIN} ORDER BY a.room_id LIMIT $3) AS room_ids`;

const MUTUAL_ROOMS_AFTER = `
  SELECT (SELECT count(*) ${MUTUAL_JOIN})::integer AS count,
    ARRAY(SELECT a.room_id ${MUTUAL_JOIN} AND a.room_id > $4 ORDER BY a.room_id LIMIT $3) AS room_ids`;

/** Returns the SQL and parameters of one mutual-rooms page, for {@link PostgresStore} and EXPLAIN. */
export function mutualRoomsStatement(
  userA: string,
  userB: string,
  query: MutualRoomsQuery,
): { text: string; values: unknown[] } {
  // Fetching one row more than the page shows whether another page follows.
  const values: unknown[] = [userA, userB, query.limit + 1];
  if (query.after === undefined) {
    return { text: MUTUAL_ROOMS_FIRST_PAGE, values };
  }
  return { text: MUTUAL_ROOMS_AFTER, values: [...values, query.after] };
}

/**
 * MembershipStore on PostgreSQL (tested with 15) through a node-postgres connection pool. Imports
 * and migrations run on a connection of their own, outside the pool and without timeouts, so a
 * long import neither takes a pool connection from queries nor hits their timeouts.
 */
export class PostgresStore implements MembershipStore {
  readonly #pool: pg.Pool;
  readonly #dedicatedConfig: pg.ClientConfig;
  readonly #logger: Logger | undefined;
  #closed = false;

  private constructor(url: string, options: PostgresStoreOptions) {
    this.#pool = createPool(url, options);
    this.#dedicatedConfig = {
      connectionString: url,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      application_name: options.applicationName ?? DEFAULT_APPLICATION_NAME,
      keepAlive: true,
    };
    this.#logger = options.logger;
  }

  /**
   * Opens a pool on `url` (`postgres://user:password@host:port/database`), checks the connection
   * and applies pending migrations unless `options.migrate` is false.
   */
  static async connect(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      if (options.migrate ?? true) {
        await store.migrate();
      } else {
        await store.ping();
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Applies pending schema migrations; safe while other instances do the same. */
  async migrate(): Promise<MigrationResult> {
    return this.#withDedicatedClient((client) => migrate(client));
  }

  async mutualRooms(userA: string, userB: string, query: MutualRoomsQuery): Promise<MutualRoomsPage> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${query.limit}`);
    }

    const statement = mutualRoomsStatement(userA, userB, query);
    const result = await this.#run(() =>
      this.#pool.query<{ count: number; room_ids: string[] }>(statement.text, statement.values),
    );
    const row = result.rows[0];
    const roomIds = row?.room_ids ?? [];
    const hasMore = roomIds.length > query.limit;
    return { roomIds: hasMore ? roomIds.slice(0, query.limit) : roomIds, count: row?.count ?? 0, hasMore };
  }

  async importMemberships(records: AsyncIterable<MembershipRecord>): Promise<ImportStats> {
    // An error thrown by `records` is rethrown as it is, even one that looks like a lost
    // connection, such as ECONNRESET from a network input.
    let inputError: { readonly error: unknown } | undefined;
    async function* tracked(): AsyncGenerator<MembershipRecord> {
      try {
        yield* records;
      } catch (error) {
        inputError = { error };
        throw error;
      }
    }

    return this.#withDedicatedClient(
      (client) => importIntoPostgres(client, tracked()),
      (error) => inputError !== undefined && error === inputError.error,
    );
  }

  async setMembership(record: MembershipRecord): Promise<void> {
    await this.#run(() =>
      this.#pool.query(
        `INSERT INTO memberships (room_id, user_id, membership) VALUES ($1, $2, $3)
         ON CONFLICT (room_id, user_id) DO UPDATE SET membership = EXCLUDED.membership`,
        [record.roomId, record.userId, record.membership],
      ),
    );
  }

  /** Stores the hash; storing a known hash again moves it to `userId`. */
  async addAccessToken(userId: string, tokenHash: Buffer): Promise<void> {
    checkTokenHash(tokenHash);
    await this.#run(() =>
      this.#pool.query(
        `INSERT INTO access_tokens (token_hash, user_id) VALUES ($1, $2)
         ON CONFLICT (token_hash) DO UPDATE SET user_id = EXCLUDED.user_id`,
        [tokenHash, userId],
      ),
    );
  }

  async findUserByTokenHash(tokenHash: Buffer): Promise<string | undefined> {
    checkTokenHash(tokenHash);
    const result = await this.#run(() =>
      this.#pool.query<{ user_id: string }>('SELECT user_id FROM access_tokens WHERE token_hash = $1', [
        tokenHash,
      ]),
    );
    return result.rows[0]?.user_id;
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#pool.query('SELECT 1'));
  }

  poolStats(): StorePoolStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  /**
   * Waits for checked-out pool connections to return, then closes all of them. Idempotent. A
   * running import or migration keeps its own connection until it ends.
   */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }

    this.#closed = true;
    await this.#pool.end();
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async #withDedicatedClient<T>(
    operation: (client: pg.Client) => Promise<T>,
    isInputError: (error: unknown) => boolean = () => false,
  ): Promise<T> {
    const client = new pg.Client(this.#dedicatedConfig);
    // While the client waits, for example on the import's input, a lost connection is emitted
    // as 'error'; without a listener Node would crash. The next query then fails instead.
    client.on('error', (error) => {
      this.#logger?.warn({ err: error }, 'PostgreSQL import or migration connection failed');
    });
    try {
      await client.connect();
      return await operation(client);
    } catch (error) {
      throw isInputError(error) ? error : toStoreError(error);
    } finally {
      // end() rejects only when the connection is already gone, which is what end() is for.
      await client.end().catch(() => undefined);
    }
  }
}

function createPool(url: string, options: PostgresStoreOptions): pg.Pool {
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer, got ${poolSize}`);
  }

  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 15_000,
    application_name: options.applicationName ?? DEFAULT_APPLICATION_NAME,
    keepAlive: true,
  });

  // An idle connection that the server closes emits 'error' on the pool; without a listener
  // Node would crash the process. The pool drops that connection and opens a new one on demand.
  pool.on('error', (error) => {
    const level = isUnavailableError(error) ? 'warn' : 'error';
    options.logger?.[level]({ err: error }, 'idle PostgreSQL connection failed');
  });
  return pool;
}

function checkTokenHash(tokenHash: Buffer): void {
  if (tokenHash.length !== 32) {
    throw new RangeError(`tokenHash must be a 32-byte SHA-256 digest, got ${tokenHash.length} bytes`);
  }
}
