import { join } from 'node:path';
import { PostgresStore } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { MembershipStore } from '../../src/store/types.js';
import { createTestDatabase, serviceUrl, type TestDatabase } from './services.js';
import { createTempDirs } from './temp-dir.js';

/**
 * A way to create empty stores of one backend. Store and server tests run once per factory, so
 * another backend joins every suite by adding its factory here.
 */
export interface StoreFactory {
  readonly name: string;
  /** Whether the store implements `ensureServerSecret`, keeping a secret with its data. */
  readonly storesServerSecret: boolean;
  /** Returns a new, empty store. */
  create(): Promise<MembershipStore>;
  /** Closes every store this factory created and removes their data. */
  cleanup(): Promise<void>;
}

/** SQLite files in a temporary folder, one per store. */
export function sqliteStoreFactory(): StoreFactory {
  const dirs = createTempDirs('mutual-rooms-store');
  const stores: MembershipStore[] = [];
  return {
    name: 'sqlite',
    storesServerSecret: true,
    async create() {
      const store = SqliteStore.open(join(dirs.make(), 'test.db'));
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      dirs.cleanup();
    },
  };
}

/** PostgreSQL databases created next to the one of `adminUrl`, one per store, dropped on cleanup. */
export function postgresStoreFactory(adminUrl: string): StoreFactory {
  const databases: TestDatabase[] = [];
  const stores: MembershipStore[] = [];
  return {
    name: 'postgres',
    storesServerSecret: false,
    async create() {
      const database = await createTestDatabase(adminUrl);
      databases.push(database);
      const store = await PostgresStore.connect(database.url, { poolSize: 4 });
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await Promise.all(databases.splice(0).map((database) => database.drop()));
    },
  };
}

/**
 * DATABASE_URL_TEST, or why the PostgreSQL runs of the store and server suites are skipped. With
 * CI set, a missing URL fails every suite that imports this module.
 */
export const postgresService = serviceUrl('DATABASE_URL_TEST');

export const storeFactories: readonly StoreFactory[] = [
  sqliteStoreFactory(),
  ...(postgresService.url === undefined ? [] : [postgresStoreFactory(postgresService.url)]),
];
