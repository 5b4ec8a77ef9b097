import type { Database } from 'better-sqlite3';

/** One schema change; `version` is stored in `PRAGMA user_version` once applied. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Schema versions in order. Append new migrations; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'memberships, access tokens and server metadata',
    sql: `
      CREATE TABLE memberships (
        room_id    TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        membership TEXT NOT NULL CHECK (membership IN ('join', 'invite', 'leave', 'ban', 'knock')),
        PRIMARY KEY (room_id, user_id)
      ) WITHOUT ROWID;

      -- The joined rooms of each user in room ID order: two ranges of this index are merged to
      -- find mutual rooms.
      CREATE INDEX memberships_joined_by_user ON memberships (user_id, room_id)
        WHERE membership = 'join';

      CREATE TABLE access_tokens (
        token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
        user_id    TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

/** A database written by a newer release, whose schema this program does not know. */
export class SchemaTooNewError extends Error {
  readonly code = 'SCHEMA_TOO_NEW';

  constructor(
    readonly version: number,
    readonly supported: number,
  ) {
    super(
      `has schema version ${version}, newer than this program supports (${supported}); upgrade mutual-rooms`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Applies the migrations newer than the database's `user_version`, each in its own transaction. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new SchemaTooNewError(current, latest);

  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return latest;
}
