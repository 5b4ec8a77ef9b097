import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../src/cli/args.js';
import { toListenFailure } from '../../src/cli/serve.js';
import { describeSqliteOpenFailure } from '../../src/cli/store.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const dirs = createTempDirs('mutual-rooms-startup');
const START = ['--import', 'tsx', 'scripts/start.ts'];

/** Asserts one line on stderr that contains `message`, and no stack trace. */
function expectOneLine(result: CliResult, message: string): void {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('start-up failures', () => {
  let blocker: Server;
  let takenPort: number;
  let dir: string;
  let notADatabase: string;

  beforeAll(async () => {
    blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    takenPort = (blocker.address() as { port: number }).port;
    dir = dirs.make();
    notADatabase = join(dir, 'notes.db');
    writeFileSync(notADatabase, 'plain text, not a database\n'.repeat(200));
  });

  afterAll(async () => {
    blocker.close();
    await once(blocker, 'close');
    dirs.cleanup();
  });

  const inUse = () =>
    `port ${takenPort} on 127.0.0.1 is in use; pick another with --port or MUTUAL_ROOMS_PORT`;

  it('serve on a port in use exits 1 with one line', async () => {
    const result = await runCli(['serve', '--db', join(dir, 'serve.db'), '--port', String(takenPort)]);
    expect(result.code).toBe(1);
    expectOneLine(result, `mutual-rooms serve: ${inUse()}`);
  });

  it('npm start on a port in use exits 1 with one line', async () => {
    const result = await runCli([], {
      entry: START,
      env: { MUTUAL_ROOMS_DB: join(dir, 'start.db'), MUTUAL_ROOMS_PORT: String(takenPort) },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`start: ${inUse()}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['a file that is not a database', () => notADatabase, 'is not a SQLite database; set --db'],
    ['a folder', () => dir, 'cannot open'],
    ['a path under a file', () => join(notADatabase, 'sub', 'x.db'), 'a file is in its place'],
  ])('serve with --db naming %s exits 1 with one line', async (_name, path, message) => {
    const result = await runCli(['serve', '--db', path(), '--port', '0']);
    expect(result.code).toBe(1);
    expectOneLine(result, message);
    expect(result.stderr).toContain(path());
  });

  it.each([
    ['import', (db: string) => ['import', '--db', db, '-']],
    ['token create', (db: string) => ['token', 'create', '@alice:example.org', '--db', db]],
  ])('%s with a file that is not a database exits 1 with one line', async (_name, args) => {
    const result = await runCli(args(notADatabase));
    expect(result.code).toBe(1);
    expectOneLine(result, `${notADatabase} is not a SQLite database`);
  });

  it('serve with a database of a newer schema exits 1 with one line', async () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    const result = await runCli(['serve', '--db', path, '--port', '0']);
    expect(result.code).toBe(1);
    expectOneLine(
      result,
      `the SQLite database ${path} has schema version 999, newer than this program supports`,
    );
    expect(result.stderr).toContain('upgrade mutual-rooms, or set --db (MUTUAL_ROOMS_DB) to another file');
  });

  it('npm start with a file that is not a database exits 1', async () => {
    const result = await runCli([], {
      entry: START,
      env: { MUTUAL_ROOMS_DB: notADatabase, MUTUAL_ROOMS_PORT: '0' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`start: ${notADatabase} is not a SQLite database`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('listen failure messages', () => {
  const config = { host: '10.255.255.1', port: 80 };

  it.each([
    ['EADDRINUSE', 'port 80 on 10.255.255.1 is in use; pick another with --port or MUTUAL_ROOMS_PORT'],
    ['EACCES', 'no permission to listen on port 80 on 10.255.255.1; pick a port above 1023'],
    ['EADDRNOTAVAIL', '10.255.255.1 is not an address of this machine; set --host or MUTUAL_ROOMS_HOST'],
    ['ENOTFOUND', 'host name 10.255.255.1 could not be resolved; set --host or MUTUAL_ROOMS_HOST'],
  ])('%s', (code, message) => {
    const failure = toListenFailure(Object.assign(new Error(code), { code }), config);
    expect(failure).toBeInstanceOf(CommandError);
    expect((failure as CommandError).exitCode).toBe(1);
    expect((failure as CommandError).message).toContain(message);
  });

  it('returns other errors unchanged', () => {
    const error = new Error('other');
    expect(toListenFailure(error, config)).toBe(error);
  });
});

describe('SQLite open failure messages', () => {
  it.each([
    ['SQLITE_NOTADB', 'x.db is not a SQLite database'],
    ['SQLITE_CORRUPT', 'is corrupt'],
    ['SQLITE_CANTOPEN', 'cannot open x.db as a SQLite database file'],
    ['SQLITE_READONLY', 'no permission to write'],
    ['EACCES', 'no permission to write'],
    ['SQLITE_BUSY', 'locked by another process'],
    ['ENOTDIR', 'a file is in its place'],
    ['SQLITE_IOERR', 'cannot open the SQLite database x.db: disk I/O error (SQLITE_IOERR)'],
  ])('%s', (code, message) => {
    const text = describeSqliteOpenFailure('x.db', code, 'disk I/O error');
    expect(text).toContain(message);
    expect(text).toContain('--db (MUTUAL_ROOMS_DB)');
  });
});
