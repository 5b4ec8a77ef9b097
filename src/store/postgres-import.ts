import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type ImportStats, MEMBERSHIPS, type MembershipRecord } from './types.js';

/**
 * Characters of COPY text collected before one write to the connection. Larger chunks mean
 * fewer CopyData messages, and the size bounds the memory an import uses besides stream buffers.
 */
export const COPY_CHUNK_CHARS = 64 * 1024;

const VALID_MEMBERSHIPS: ReadonlySet<string> = new Set(MEMBERSHIPS);

// The staging table lives until the end of the import transaction, on its connection only.
const CREATE_STAGING = `
  CREATE TEMPORARY TABLE membership_import (
    record_number bigint NOT NULL,
    room_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    membership text NOT NULL
  ) ON COMMIT DROP`;

const COPY_STAGING = 'COPY membership_import (record_number, room_id, user_id, membership) FROM STDIN';

// DISTINCT ON keeps the last record of each (room, user) pair, so a later record wins.
const MERGE_STAGING = `
  INSERT INTO memberships (room_id, user_id, membership)
  SELECT DISTINCT ON (room_id, user_id) room_id, user_id, membership
  FROM membership_import
  ORDER BY room_id, user_id, record_number DESC
  ON CONFLICT (room_id, user_id) DO UPDATE SET membership = EXCLUDED.membership`;

/**
 * Streams `records` into a temporary staging table with `COPY ... FROM STDIN` (pg-copy-streams),
 * then merges them into `memberships` in the same transaction. On any error, including one thrown
 * by the iterable, the COPY is aborted, the transaction rolls back and the first error is
 * rethrown. After the commit, `VACUUM (ANALYZE)` prepares the table for queries (see
 * {@link vacuumAfterImport}). The caller owns `client` and should give it no statement or query
 * timeout, since an import of millions of rows takes long.
 */
export async function importIntoPostgres(
  client: ClientBase,
  records: AsyncIterable<MembershipRecord>,
): Promise<ImportStats> {
  const stats = await importInTransaction(client, records);
  await vacuumAfterImport(client, stats);
  return stats;
}

async function importInTransaction(
  client: ClientBase,
  records: AsyncIterable<MembershipRecord>,
): Promise<ImportStats> {
  await client.query('BEGIN');
  try {
    // The commit waits for its WAL flush even where the server runs with synchronous_commit off.
    // A finished import is then durable, and the VACUUM that follows can mark the new rows' pages
    // all-visible, which it does only for commits already flushed.
    await client.query('SET LOCAL synchronous_commit = on');
    await client.query(CREATE_STAGING);
    const counter = { records: 0 };
    // pipeline() waits for the connection to drain before it pulls the next chunk, and on an
    // input error destroys the COPY stream, which sends CopyFail so the server discards the rows.
    await pipeline(copyText(records, counter), client.query(copyFrom(COPY_STAGING)));
    const merged = await client.query(MERGE_STAGING);
    await client.query('COMMIT');
    return { records: counter.records, memberships: merged.rowCount ?? 0 };
  } catch (error) {
    // If ROLLBACK fails too, the connection is broken, and the server ends the transaction
    // when it closes. The first error is the one worth reporting.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Runs `VACUUM (ANALYZE) memberships`, which cannot run inside a transaction. ANALYZE gives the
 * planner statistics for the new rows, and VACUUM marks their pages all-visible, so the
 * mutual-rooms query reads the index alone. On the 10,000,000-membership benchmark dataset, a
 * heavy pair's first page took 52 ms without them and fetched 15,000 rows from the table. After
 * the 1.6-second VACUUM it took 3.5 ms and fetched none. A failure here leaves the committed rows
 * in place, and the error message states that they are stored.
 */
async function vacuumAfterImport(client: ClientBase, stats: ImportStats): Promise<void> {
  try {
    await client.query('VACUUM (ANALYZE) memberships');
  } catch (error) {
    throw new Error(
      `imported ${stats.records} records into ${stats.memberships} memberships, but ` +
        `VACUUM (ANALYZE) memberships failed afterwards: ${(error as Error).message}. The memberships ` +
        'are stored; run VACUUM (ANALYZE) memberships once the database is reachable, or wait for autovacuum',
      { cause: error },
    );
  }
}

/** Yields the records as rows of COPY's text format, in chunks of about COPY_CHUNK_CHARS. */
async function* copyText(
  records: AsyncIterable<MembershipRecord>,
  counter: { records: number },
): AsyncGenerator<string> {
  let chunk = '';
  for await (const record of records) {
    counter.records += 1;
    validateRecord(record, counter.records);
    chunk += `${counter.records}\t${escapeCopyText(record.roomId)}\t${escapeCopyText(record.userId)}\t${record.membership}\n`;
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }

  if (chunk !== '') {
    yield chunk;
  }
}

/**
 * Escapes a value for COPY's text format (PostgreSQL 15 docs, "COPY", File Formats). Backslash,
 * tab, newline and carriage return become backslash sequences, so no value can end a column or
 * row early. A value of `\.` or `\N` then cannot read as end-of-data or NULL either.
 */
export function escapeCopyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (character) => COPY_ESCAPES[character] ?? character);
}

const COPY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** Rejects values PostgreSQL cannot store or the schema forbids, naming the record. */
function validateRecord(record: MembershipRecord, recordNumber: number): void {
  if (!VALID_MEMBERSHIPS.has(record.membership)) {
    throw new RangeError(
      `record ${recordNumber}: membership ${JSON.stringify(record.membership)} is invalid; ` +
        `expected one of ${MEMBERSHIPS.join(', ')}`,
    );
  }
  for (const [field, value] of [
    ['roomId', record.roomId],
    ['userId', record.userId],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`record ${recordNumber}: ${field} must be a non-empty string`);
    }
    // PostgreSQL text cannot contain U+0000.
    if (value.includes('\u0000')) {
      throw new RangeError(`record ${recordNumber}: ${field} ${JSON.stringify(value)} contains U+0000`);
    }
  }
}
