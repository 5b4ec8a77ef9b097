import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importIntoSqliteRepeatedly } from '../../bench/import.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createTempDirs } from '../helpers/temp-dir.js';

describe('importIntoSqliteRepeatedly', () => {
  const dirs = createTempDirs('mutual-rooms-bench-import');
  afterAll(() => dirs.cleanup());

  it('imports into a new database each run and reports the median run', async () => {
    const dir = dirs.make();
    const file = join(dir, 'memberships.ndjson');
    const lines = Array.from({ length: 200 }, (_, index) =>
      JSON.stringify({
        room_id: `!r${index % 20}:example.org`,
        user_id: `@u${index}:example.org`,
        membership: 'join',
      }),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
    const dbPath = join(dir, 'import.db');

    const result = await importIntoSqliteRepeatedly(dbPath, file, 3);

    expect(result.runs).toHaveLength(3);
    expect(result.memberships).toBe(200);
    const sorted = [...(result.runs ?? [])].sort((a, b) => a - b);
    expect(result.membershipsPerSecond).toBe(sorted[1]);
    // The database of the last run stays for the caller.
    expect(existsSync(dbPath)).toBe(true);
    const store = SqliteStore.open(dbPath);
    try {
      expect(await store.mutualRooms('@u0:example.org', '@u20:example.org', { limit: 10 })).toMatchObject({
        roomIds: ['!r0:example.org'],
      });
    } finally {
      await store.close();
    }
  });

  it('rejects zero runs', async () => {
    await expect(importIntoSqliteRepeatedly(join(dirs.make(), 'x.db'), 'unused.ndjson', 0)).rejects.toThrow(
      /runs must be at least 1, got 0/,
    );
  });
});
