import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { hashAccessToken } from '../../src/server/access-tokens.js';
import { runCli } from '../helpers/cli.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const dirs = createTempDirs('mutual-rooms-cli');
afterAll(() => dirs.cleanup());

const line = (roomId: string, userId: string, membership = 'join') =>
  `${JSON.stringify({ room_id: roomId, user_id: userId, membership })}\n`;

function memberships(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  const rows = db
    .prepare('SELECT room_id, user_id, membership FROM memberships ORDER BY room_id, user_id')
    .all() as {
    room_id: string;
    user_id: string;
    membership: string;
  }[];
  db.close();
  return rows.map((row) => `${row.room_id} ${row.user_id} ${row.membership}`);
}

function workspace() {
  const dir = dirs.make();
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  return { dir, db: join(dir, 'data', 'test.db'), file };
}

describe('mutual-rooms import', () => {
  it('imports NDJSON and CSV files and reports counts on stderr', async () => {
    const { db, file } = workspace();
    const ndjson = file(
      'a.ndjson',
      line('!r:example.org', '@a:example.org') + line('!r:example.org', '@b:example.org', 'invite'),
    );
    const csv = file(
      'b.csv',
      'room_id,user_id,membership\n!r:example.org,@b:example.org,join\n!s:example.org,@a:example.org,ban\n',
    );

    const result = await runCli(['import', '--db', db, ndjson, csv]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /a\.ndjson: imported 2 records into 2 memberships in [\d.]+ s \(\d+ rows\/s\)/,
    );
    expect(result.stderr).toMatch(/b\.csv: imported 2 records into 2 memberships/);
    expect(memberships(db)).toEqual([
      '!r:example.org @a:example.org join',
      '!r:example.org @b:example.org join',
      '!s:example.org @a:example.org ban',
    ]);
  });

  it('reads m.room.member events from stdin', async () => {
    const { db } = workspace();
    const event = {
      type: 'm.room.member',
      room_id: '!r:example.org',
      state_key: '@a:example.org',
      content: { membership: 'knock' },
    };
    const result = await runCli(['import', '--db', db, '-'], { input: `${JSON.stringify(event)}\n` });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^standard input: imported 1 record into 1 membership in /m);
    expect(memberships(db)).toEqual(['!r:example.org @a:example.org knock']);
  });

  it('names standard input when a line of it is invalid', async () => {
    const { db } = workspace();
    const result = await runCli(['import', '--db', db, '-'], { input: 'not json\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mutual-rooms import: standard input:1: ');
    expect(result.stderr).toContain('Nothing of standard input was imported.');
    expect(result.stderr).not.toContain('Nothing of - ');
  });

  it('rejects a file that is not UTF-8', async () => {
    const { db, dir } = workspace();
    const path = join(dir, 'latin1.csv');
    writeFileSync(
      path,
      Buffer.from(
        'room_id,user_id,membership\n!r:example.org,@a:example.org,join\n!caf\xe9:example.org,@a:example.org,join\n',
        'latin1',
      ),
    );
    const result = await runCli(['import', '--db', db, path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path}:3: the line is not valid UTF-8`);
    expect(result.stderr).toContain('was imported');
  });

  it('takes the database path from MUTUAL_ROOMS_DB', async () => {
    const { db, file } = workspace();
    const result = await runCli(['import', file('a.ndjson', line('!r:example.org', '@a:example.org'))], {
      env: { MUTUAL_ROOMS_DB: db },
    });
    expect(result.code).toBe(0);
    expect(memberships(db)).toHaveLength(1);
  });

  it('leaves the database unchanged when the last of 200000 lines is invalid', async () => {
    const { db, dir, file } = workspace();
    const before = file(
      'before.ndjson',
      line('!kept:example.org', '@a:example.org') + line('!kept:example.org', '@b:example.org'),
    );
    expect((await runCli(['import', '--db', db, before])).code).toBe(0);
    const snapshot = memberships(db);

    const large = join(dir, 'large.ndjson');
    const out = createWriteStream(large);
    // The first line changes an existing membership, so a partial import would show.
    out.write(line('!kept:example.org', '@b:example.org', 'leave'));
    for (let i = 1; i < 199_999; i += 1) {
      if (!out.write(line(`!room${i % 5000}:example.org`, `@user${i}:example.org`))) await once(out, 'drain');
    }
    out.end('{"room_id": "!last:example.org", "user_id": "@z:example.org", "membership": "joined"}\n');
    await once(out, 'finish');

    const result = await runCli(['import', '--db', db, large]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${large}:200000: membership "joined" is not one of join, invite, leave, ban, knock`,
    );
    expect(result.stderr).toContain(`Nothing of ${large} was imported`);
    expect(memberships(db)).toEqual(snapshot);
  }, 180_000);

  it('keeps earlier files and stops at the first invalid one', async () => {
    const { db, file } = workspace();
    const good = file('good.ndjson', line('!r:example.org', '@a:example.org'));
    const bad = file(
      'bad.csv',
      'room_id,user_id,membership\n!s:example.org,@a:example.org,join\nnot,a,row\n',
    );
    const never = file('never.ndjson', line('!t:example.org', '@a:example.org'));
    const result = await runCli(['import', '--db', db, good, bad, never]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:3: room_id "not" is invalid`);
    expect(memberships(db)).toEqual(['!r:example.org @a:example.org join']);
  });

  it('reports an unreadable file', async () => {
    const { db, dir } = workspace();
    const result = await runCli(['import', '--db', db, join(dir, 'absent.ndjson')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read');
  });

  it.each([
    ['no file', ['import']],
    ['unknown format', ['import', '--format', 'xml', 'x']],
    ['unknown option', ['import', '--verbose', 'x']],
  ])('exits 2 for %s', async (_name, args) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mutual-rooms import:');
  });
});

describe('mutual-rooms token create', () => {
  it('prints only the token and stores its hash', async () => {
    const { db } = workspace();
    const result = await runCli(['token', 'create', '@alice:example.org', '--db', db]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^mr_[0-9A-Za-z_-]{43}\n$/);

    const token = result.stdout.trim();
    const database = new Database(db, { readonly: true });
    const row = database
      .prepare('SELECT user_id FROM access_tokens WHERE token_hash = ?')
      .get(hashAccessToken(token));
    database.close();
    expect(row).toEqual({ user_id: '@alice:example.org' });
  });

  it.each([
    ['an invalid user ID', ['token', 'create', 'alice']],
    ['a missing user ID', ['token', 'create']],
    ['a missing action', ['token']],
    ['an unknown action', ['token', 'delete', '@alice:example.org']],
  ])('exits 2 for %s', async (_name, args) => {
    const { db } = workspace();
    const result = await runCli([...args, '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});

describe('mutual-rooms command dispatch', () => {
  it('prints usage and exits 2 without a command', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: mutual-rooms <command>');
  });

  it('exits 0 for --help', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['serve', 'import', 'token', 'conformance'])
      expect(result.stdout).toContain(command);
  });

  it('exits 2 for an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });

  it.each(['serve', 'import', 'token'])('prints help for %s', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`usage: mutual-rooms ${command}`);
  });

  it('exits 2 for an invalid serve setting', async () => {
    const result = await runCli(['serve', '--port', 'eighty']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be an integer from 0 to 65535, got "eighty"');
  });
});
