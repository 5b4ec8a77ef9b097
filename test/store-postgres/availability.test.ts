import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import {
  capturingLogger,
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  TcpProxy,
  type TestDatabase,
  unusedPort,
  waitFor,
} from '../helpers/services.js';

const postgres = serviceUrl('DATABASE_URL_TEST');

describe.skipIf(postgres.url === undefined)(suiteName('PostgresStore availability', postgres), () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  const stores: PostgresStore[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(requireUrl(postgres));
    // Apply the schema directly, so stores behind the proxy start on a migrated database.
    await (await PostgresStore.connect(database.url)).close();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await proxy?.stop();
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function storeBehindProxy(options: { queryTimeoutMs?: number } = {}) {
    proxy = new TcpProxy(database.url);
    await proxy.start();
    const { logger, records } = capturingLogger();
    const store = await PostgresStore.connect(proxy.urlFor(database.url), {
      poolSize: 2,
      connectionTimeoutMs: 2000,
      logger,
      ...options,
    });
    stores.push(store);
    return { store, records };
  }

  it('connect to a closed port raises StoreUnavailableError', async () => {
    const url = new URL(database.url);
    url.port = String(await unusedPort());

    const connecting = PostgresStore.connect(url.toString(), { connectionTimeoutMs: 2000 });

    await expect(connecting).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(connecting).rejects.toThrow(/^PostgreSQL is unavailable: /);
  });

  it('statement errors are not wrapped', async () => {
    const store = await PostgresStore.connect(database.url, { poolSize: 1 });
    stores.push(store);
    const invalid = { roomId: '!a', userId: '@x:s', membership: 'joined' } as never;

    const attempt = store.setMembership(invalid);

    await expect(attempt).rejects.not.toBeInstanceOf(StoreUnavailableError);
    await expect(attempt).rejects.toThrow('memberships_membership_check');
  });

  it('outage raises StoreUnavailableError and recovery needs no restart', async () => {
    const { store } = await storeBehindProxy();
    await store.setMembership({ roomId: '!r', userId: '@a:s', membership: 'join' });
    await store.setMembership({ roomId: '!r', userId: '@b:s', membership: 'join' });

    await proxy.stop();
    const during = store.mutualRooms('@a:s', '@b:s', { limit: 10 });
    const pingDuring = store.ping();
    await expect(during).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(pingDuring).rejects.toBeInstanceOf(StoreUnavailableError);

    await proxy.start();
    await expect(store.ping()).resolves.toBeUndefined();
    const after = await store.mutualRooms('@a:s', '@b:s', { limit: 10 });
    expect(after.roomIds).toEqual(['!r']);
  });

  it('lost idle connection is logged and dropped', async () => {
    const { store, records } = await storeBehindProxy();
    await store.ping();
    expect(store.poolStats()).toEqual({ total: 1, idle: 1, waiting: 0 });

    await proxy.stop();
    await waitFor(() => store.poolStats().total === 0);

    const warnings = records.filter((record) => record.msg === 'idle PostgreSQL connection failed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
  });

  it('hung server raises StoreUnavailableError after the query timeout', async () => {
    const { store } = await storeBehindProxy({ queryTimeoutMs: 300 });
    await store.ping();

    proxy.freeze();

    await expect(store.ping()).rejects.toThrow('PostgreSQL is unavailable: Query read timeout');
  });

  it('import during an outage raises StoreUnavailableError', async () => {
    const { store } = await storeBehindProxy();
    await proxy.stop();

    const attempt = store.importMemberships(
      (async function* () {
        yield { roomId: '!r', userId: '@a:s', membership: 'join' } as const;
      })(),
    );

    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('connection lost during an import applies nothing', async () => {
    const { store } = await storeBehindProxy();
    const inputPaused = deferred();
    const inputResumed = deferred();

    const attempt = store.importMemberships(
      (async function* () {
        yield { roomId: '!lost', userId: '@a:s', membership: 'join' } as const;
        // The connection drops here, while the import transaction is open.
        inputPaused.resolve();
        await inputResumed.promise;
        yield { roomId: '!lost2', userId: '@a:s', membership: 'join' } as const;
      })(),
    );
    await inputPaused.promise;
    await proxy.stop();
    inputResumed.resolve();

    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
    const direct = await PostgresStore.connect(database.url, { poolSize: 1 });
    stores.push(direct);
    const page = await direct.mutualRooms('@a:s', '@a:s', { limit: 10 });
    expect(page.roomIds).not.toContain('!lost');
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
