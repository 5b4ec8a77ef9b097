import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { MIGRATIONS, migrate, SchemaTooNewError } from '../../src/store/sqlite-migrations.js';
import type { MembershipRecord } from '../../src/store/types.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const dirs = createTempDirs('mutual-rooms-sqlite');
afterAll(() => dirs.cleanup());

function openStore(): { store: SqliteStore; path: string } {
  const path = join(dirs.make(), 'nested', 'folder', 'test.db');
  return { store: SqliteStore.open(path), path };
}

describe('SqliteStore', () => {
  it('creates the file and its folders in WAL mode at the latest schema', async () => {
    const { store, path } = openStore();
    await store.close();
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    db.close();
  });

  it('reads the mutual rooms page as a merge of two index ranges', async () => {
    const { store } = openStore();
    const plan = store.explainMutualRooms();
    await store.close();
    expect(plan).toContain('MERGE (INTERSECT)');
    const searches = plan.filter((step) =>
      step.startsWith('SEARCH memberships USING COVERING INDEX memberships_joined_by_user'),
    );
    expect(searches).toHaveLength(2);
    expect(plan.some((step) => step.startsWith('SCAN'))).toBe(false);
  });

  it('keeps only token hashes', async () => {
    const { store, path } = openStore();
    const token = await createAccessToken(store, '@alice:example.org');
    await store.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT * FROM access_tokens').all() as { token_hash: Buffer; user_id: string }[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toHaveLength(32);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('keeps the server secret across reopening', async () => {
    const { store, path } = openStore();
    const secret = await store.ensureServerSecret(() => Buffer.alloc(32, 1));
    await store.close();
    const reopened = SqliteStore.open(path);
    const again = await reopened.ensureServerSecret(() => Buffer.alloc(32, 2));
    await reopened.close();
    expect(again.equals(secret)).toBe(true);
  });

  it('rejects a database from a newer schema', async () => {
    const { store, path } = openStore();
    await store.close();
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(SchemaTooNewError);
    expect(() => SqliteStore.open(path)).toThrow('has schema version 999, newer than this program supports');
  });

  it('applies only pending migrations', () => {
    const db = new Database(':memory:');
    const applied: number[] = [];
    const migrations = [1, 2].map((version) => ({
      version,
      description: `m${version}`,
      sql: `CREATE TABLE t${version} (x);`,
    }));
    migrate(db, migrations.slice(0, 1));
    applied.push(db.pragma('user_version', { simple: true }) as number);
    migrate(db, migrations);
    applied.push(db.pragma('user_version', { simple: true }) as number);
    db.close();
    expect(applied).toEqual([1, 2]);
  });

  it('hides an import in progress from readers of the same store', async () => {
    const { store } = openStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* records(): AsyncGenerator<MembershipRecord> {
      yield { roomId: '!r:x.org', userId: '@a:x.org', membership: 'join' };
      yield { roomId: '!r:x.org', userId: '@b:x.org', membership: 'join' };
      await gate;
    }
    const importing = store.importMemberships(records());
    await new Promise((resolve) => setImmediate(resolve));
    expect((await store.mutualRooms('@a:x.org', '@b:x.org', { limit: 5 })).count).toBe(0);
    release();
    await importing;
    expect((await store.mutualRooms('@a:x.org', '@b:x.org', { limit: 5 })).count).toBe(1);
    await store.close();
  });
});
