/** Membership states of `m.room.member` events (Matrix Client-Server API v1.19). */
export const MEMBERSHIPS = ['join', 'invite', 'leave', 'ban', 'knock'] as const;
export type Membership = (typeof MEMBERSHIPS)[number];

/** The current membership of one user in one room. */
export interface MembershipRecord {
  readonly roomId: string;
  readonly userId: string;
  readonly membership: Membership;
}

/** One page of the rooms two users have both joined. */
export interface MutualRoomsPage {
  /** Room IDs in ascending byte order, each greater than the `after` cursor. */
  readonly roomIds: string[];
  /** The number of mutual rooms over all pages. */
  readonly count: number;
  /** Whether rooms remain after the last room ID of this page. */
  readonly hasMore: boolean;
}

export interface MutualRoomsQuery {
  /** Keyset cursor: only rooms whose ID sorts after this one are returned. */
  readonly after?: string;
  readonly limit: number;
}

/**
 * Records whose source can also hand them over a batch at a time, such as the reader of
 * `mutual-rooms import`. A store's import may read `batches()` instead of the records one by
 * one, which saves an asynchronous step per record. Only one of the two ways may be read.
 */
export interface BatchedRecords extends AsyncIterable<MembershipRecord> {
  batches(): AsyncIterable<readonly MembershipRecord[]>;
}

/** Tells whether `records` also offers its records in batches. */
export function isBatchedRecords(records: AsyncIterable<MembershipRecord>): records is BatchedRecords {
  return typeof (records as Partial<BatchedRecords>).batches === 'function';
}

/** Counts of one import. */
export interface ImportStats {
  /** Records read from the input, including those later replaced by a newer record. */
  readonly records: number;
  /** Distinct (room, user) pairs written. */
  readonly memberships: number;
}

/**
 * Persistent storage for memberships and access tokens. SQLite and PostgreSQL implement it;
 * room IDs compare by bytes in both (SQLite BINARY, PostgreSQL COLLATE "C").
 */
export interface MembershipStore {
  /** Returns a page of the rooms where both users have membership `join`. */
  mutualRooms(userA: string, userB: string, query: MutualRoomsQuery): Promise<MutualRoomsPage>;

  /**
   * Applies every record of `records` in one transaction, a later record for the same room and
   * user replacing an earlier one. If the iterable throws, nothing of it is applied and the error
   * is rethrown.
   */
  importMemberships(records: AsyncIterable<MembershipRecord>): Promise<ImportStats>;

  /** Sets one membership at once, outside any import. */
  setMembership(record: MembershipRecord): Promise<void>;

  /** Stores the SHA-256 hash of a new access token for `userId`. */
  addAccessToken(userId: string, tokenHash: Buffer): Promise<void>;

  /** Returns the user whose access token has this SHA-256 hash, if any. */
  findUserByTokenHash(tokenHash: Buffer): Promise<string | undefined>;

  /**
   * Returns the secret that signs pagination tokens, kept with the data so tokens survive a
   * restart; stores `generate()` first when there is none. Optional: without it, the server needs
   * a configured secret.
   */
  ensureServerSecret?(generate: () => Buffer): Promise<Buffer>;

  /** Resolves when the store can serve queries; rejects otherwise. */
  ping(): Promise<void>;

  /** Connection pool usage, for stores that keep a pool (PostgreSQL). */
  poolStats?(): StorePoolStats;

  close(): Promise<void>;
}

/** Connections of a store's pool. */
export interface StorePoolStats {
  /** Open connections, idle or in use. */
  readonly total: number;
  readonly idle: number;
  /** Queries queued until a connection is free. */
  readonly waiting: number;
}

/**
 * Raised when the database cannot be reached (refused, timed out, shut down). The server responds
 * to such requests with 503, and the store reconnects by itself once the database is back.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
