import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashAccessToken } from '../../src/server/access-tokens.js';
import { runCli } from '../helpers/cli.js';
import {
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  type TestDatabase,
  unusedPort,
} from '../helpers/services.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const postgres = serviceUrl('DATABASE_URL_TEST');
const dirs = createTempDirs('mutual-rooms-pg-cli');

const line = (roomId: string, userId: string, membership = 'join') =>
  `${JSON.stringify({ room_id: roomId, user_id: userId, membership })}\n`;

describe.skipIf(postgres.url === undefined)(suiteName('CLI on PostgreSQL', postgres), () => {
  let database: TestDatabase;
  let admin: pg.Pool;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase(requireUrl(postgres));
    admin = new pg.Pool({ connectionString: database.url, max: 1 });
    dir = dirs.make();
  });

  afterAll(async () => {
    await admin?.end();
    await database?.drop();
    dirs.cleanup();
  });

  beforeEach(async () => {
    await admin.query('DROP TABLE IF EXISTS memberships, access_tokens, schema_migrations');
  });

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  async function memberships(): Promise<string[]> {
    const result = await admin.query<{ room_id: string; user_id: string; membership: string }>(
      'SELECT room_id, user_id, membership FROM memberships ORDER BY room_id, user_id',
    );
    return result.rows.map((row) => `${row.room_id} ${row.user_id} ${row.membership}`);
  }

  it('imports files with --database-url, creating the schema', async () => {
    const ndjson = file(
      'a.ndjson',
      line('!r:example.org', '@a:example.org') + line('!r:example.org', '@b:example.org'),
    );
    const csv = file('b.csv', 'room_id,user_id,membership\n!r:example.org,@b:example.org,leave\n');

    const result = await runCli(['import', '--database-url', database.url, ndjson, csv]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/a\.ndjson: imported 2 records into 2 memberships/);
    expect(result.stderr).toMatch(/b\.csv: imported 1 record into 1 membership in /);
    expect(await memberships()).toEqual([
      '!r:example.org @a:example.org join',
      '!r:example.org @b:example.org leave',
    ]);
  });

  it('invalid line leaves the table unchanged', async () => {
    const before = file('before.ndjson', line('!kept:example.org', '@a:example.org'));
    expect((await runCli(['import', '--database-url', database.url, before])).code).toBe(0);
    const invalid = file(
      'invalid.ndjson',
      `${line('!kept:example.org', '@a:example.org', 'leave')}${line('!new:example.org', '@a:example.org')}` +
        '{"room_id": "!bad:example.org", "user_id": "@z:example.org", "membership": "joined"}\n',
    );

    const result = await runCli(['import', invalid], { env: { DATABASE_URL: database.url } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${invalid}:3: membership "joined" is not one of join, invite, leave, ban, knock`,
    );
    expect(result.stderr).toContain(`Nothing of ${invalid} was imported`);
    expect(await memberships()).toEqual(['!kept:example.org @a:example.org join']);
  });

  it('creates an access token with DATABASE_URL', async () => {
    const result = await runCli(['token', 'create', '@alice:example.org'], {
      env: { DATABASE_URL: database.url },
    });

    expect(result.code, result.stderr).toBe(0);
    const stored = await admin.query<{ user_id: string }>(
      'SELECT user_id FROM access_tokens WHERE token_hash = $1',
      [hashAccessToken(result.stdout.trim())],
    );
    expect(stored.rows).toEqual([{ user_id: '@alice:example.org' }]);
  });

  it.each([
    ['import', ['import', 'x.ndjson']],
    ['token create', ['token', 'create', '@alice:example.org']],
  ])('%s reports an unreachable database without a stack trace', async (_name, args) => {
    const url = new URL(database.url);
    url.port = String(await unusedPort());
    url.password = 'hunter2';

    const result = await runCli([...args, '--database-url', url.toString()]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot open the PostgreSQL database postgres://');
    expect(result.stderr).toContain('PostgreSQL is unavailable');
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('serve refuses to start without a secret', async () => {
    const result = await runCli(['serve', '--database-url', database.url, '--port', '0'], {
      env: { MUTUAL_ROOMS_SECRET: '', MUTUAL_ROOMS_SECRET_FILE: '' },
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--database-url is set, so every instance needs the same next_batch signing secret',
    );
    expect(result.stderr).toContain('Set MUTUAL_ROOMS_SECRET');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
