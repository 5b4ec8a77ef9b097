/**
 * Import throughput: the generated NDJSON file loaded into SQLite and PostgreSQL through the
 * stores' `importMemberships`, and into SQLite through the `mutual-rooms import` CLI when it
 * exists. Each figure counts memberships per second of wall time, including reading, parsing and
 * validating the NDJSON lines with the CLI's own reader.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { readMembershipRecords } from '../src/import/reader.js';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { MembershipRecord, MembershipStore } from '../src/store/types.js';
import { round } from './stats.js';

/** One timed import. */
export interface ImportResult {
  readonly target: string;
  readonly method: string;
  readonly memberships: number;
  readonly seconds: number;
  readonly membershipsPerSecond: number;
  /**
   * Memberships per second of each run, in order, when the figure is the median of several runs
   * into new databases. The first run pays one-time costs of the process, such as loading the
   * native SQLite addon and compiling the reader.
   */
  readonly runs?: readonly number[];
}

/** Yields the records of an NDJSON file through the reader of `mutual-rooms import`, which validates each line. */
export function readImportFile(path: string): AsyncGenerator<MembershipRecord> {
  return readMembershipRecords({ path, stream: createReadStream(path) }, { format: 'ndjson' });
}

async function timeImport(target: string, method: string, run: () => Promise<number>): Promise<ImportResult> {
  const started = performance.now();
  const memberships = await run();
  const seconds = (performance.now() - started) / 1000;
  return {
    target,
    method,
    memberships,
    seconds: round(seconds, 3),
    membershipsPerSecond: Math.round(memberships / seconds),
  };
}

/**
 * Imports `file` `runs` times, each into a new SQLite database at `dbPath` (removed before each
 * run), and returns the run with the median time, with every run's rate in `runs`. The database
 * of the last run stays at `dbPath`.
 */
export async function importIntoSqliteRepeatedly(
  dbPath: string,
  file: string,
  runs: number,
): Promise<ImportResult> {
  const results: ImportResult[] = [];
  for (let run = 0; run < runs; run += 1) {
    await removeSqliteDatabase(dbPath);
    results.push(await importIntoSqlite(dbPath, file));
  }
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new RangeError(`runs must be at least 1, got ${runs}`);
  return { ...middle, runs: results.map((result) => result.membershipsPerSecond) };
}

/** Removes a SQLite database file with its WAL and shared-memory files, if they exist. */
export async function removeSqliteDatabase(dbPath: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${dbPath}${suffix}`, { force: true });
}

/** Imports `file` into a new SQLite database at `dbPath` through the store. */
export function importIntoSqlite(dbPath: string, file: string): Promise<ImportResult> {
  return timeImport('SQLite', 'store.importMemberships', async () => {
    const store = SqliteStore.open(dbPath);
    try {
      return (await store.importMemberships(readImportFile(file))).memberships;
    } finally {
      await store.close();
    }
  });
}

const CLI_ENTRY = 'src/cli/main.ts';

/** Returns true when this checkout has the `mutual-rooms import` CLI. */
export function hasImportCli(): boolean {
  return existsSync(CLI_ENTRY) && existsSync('src/cli/import.ts');
}

/**
 * Imports `file` into a new SQLite database at `dbPath` with `mutual-rooms import`, in a child
 * process started through tsx. The time includes process start and TypeScript loading.
 */
export function importWithCli(dbPath: string, file: string, memberships: number): Promise<ImportResult> {
  return timeImport('SQLite', 'mutual-rooms import (CLI process)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'import', '--db', dbPath, file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`mutual-rooms import exited with ${code}: ${stderr.trim()}`);
    const stored = countMemberships(dbPath);
    if (stored !== memberships)
      throw new Error(`mutual-rooms import stored ${stored} memberships, expected ${memberships}`);
    return memberships;
  });
}

/** Counts the rows of the memberships table of a SQLite file, opened read-only. */
function countMemberships(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare<[], { count: number }>('SELECT count(*) AS count FROM memberships').get()?.count ?? 0;
  } finally {
    db.close();
  }
}

/** A PostgreSQL database created for one benchmark run and dropped afterwards. */
export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function runAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database next to the one in `adminUrl`, so the benchmark never writes into
 * an existing database. The role of `adminUrl` needs the CREATEDB privilege.
 */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `mutual_rooms_bench_${randomBytes(6).toString('hex')}`;
  await runAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => runAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Imports `file` through a PostgresStore connected to `url`, which stays open for the caller. */
export async function importIntoPostgres(
  url: string,
  file: string,
): Promise<{ result: ImportResult; store: MembershipStore }> {
  const store = await PostgresStore.connect(url);
  try {
    const result = await timeImport('PostgreSQL', 'store.importMemberships', async () => {
      return (await store.importMemberships(readImportFile(file))).memberships;
    });
    return { result, store };
  } catch (error) {
    await store.close();
    throw error;
  }
}
