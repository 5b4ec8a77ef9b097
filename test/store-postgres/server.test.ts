import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { bearer, callApi, type MutualRoomsBody, mutualRoomsUrl } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import {
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  TcpProxy,
  type TestDatabase,
  waitFor,
} from '../helpers/services.js';

const postgres = serviceUrl('DATABASE_URL_TEST');
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const ROOMS = ['!a:example.org', '!b:example.org', '!c:example.org'];
const UNAVAILABLE = { errcode: 'M_UNKNOWN', error: 'Service temporarily unavailable; retry later' };

/** Fills a migrated database with the shared rooms of alice and bob and returns alice's token. */
async function seed(url: string): Promise<string> {
  const store = await PostgresStore.connect(url, { poolSize: 1 });
  try {
    for (const roomId of ROOMS) {
      for (const userId of [ALICE, BOB]) await store.setMembership({ roomId, userId, membership: 'join' });
    }
    return await createAccessToken(store, ALICE);
  } finally {
    await store.close();
  }
}

describe.skipIf(postgres.url === undefined)(suiteName('server on PostgreSQL', postgres), () => {
  let database: TestDatabase;
  let alice: string;
  let admin: pg.Client;
  const servers: RunningServer[] = [];
  const stores: PostgresStore[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(requireUrl(postgres));
    alice = await seed(database.url);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  /** Blocks every statement on memberships until `release` ends the transaction. */
  async function lockMemberships(): Promise<{ release: () => Promise<void> }> {
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE');
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await admin.query('COMMIT');
      },
    };
  }

  async function lockWaiters(): Promise<number> {
    // Inside the locking transaction, statistics views keep their first snapshot unless cleared.
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const result = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return result.rows[0]?.n ?? 0;
  }

  async function serve(url: string, options: { poolSize?: number } = {}) {
    const logs = captureLogs();
    const store = await PostgresStore.connect(url, {
      poolSize: options.poolSize ?? 2,
      connectionTimeoutMs: 2000,
    });
    stores.push(store);
    const server = await startTestServer(store, { logger: logs.logger });
    servers.push(server);
    return { server, logs };
  }

  describe('database outage', () => {
    let proxy: TcpProxy;

    afterEach(async () => {
      await proxy?.stop();
    });

    it('answers 503 while the database is away and recovers by itself', async () => {
      proxy = new TcpProxy(database.url);
      await proxy.start();
      const { server, logs } = await serve(proxy.urlFor(database.url));
      const url = mutualRoomsUrl(server.url, { user_id: BOB });
      expect((await callApi(url, bearer(alice))).status).toBe(200);

      await proxy.stop();
      const during = await callApi(url, bearer(alice));
      const readyDuring = await fetch(`${server.url}/health/ready`);

      expect(during.status).toBe(503);
      expect(during.body).toEqual(UNAVAILABLE);
      expect(during.headers.get('retry-after')).toBe('1');
      expect(readyDuring.status).toBe(503);
      expect(await readyDuring.json()).toEqual({ status: 'unavailable', checks: { store: 'unavailable' } });
      const errors = logs.lines().filter((line) => line.level === 50);
      expect(JSON.stringify(errors)).toContain('PostgreSQL is unavailable');

      await proxy.start();
      const after = await callApi(url, bearer(alice));
      const readyAfter = await fetch(`${server.url}/health/ready`);

      expect(after.status).toBe(200);
      expect((after.body as MutualRoomsBody).joined).toEqual(ROOMS);
      expect(readyAfter.status).toBe(200);
    });

    it('answers 503 when the connection drops after authentication', async () => {
      proxy = new TcpProxy(database.url);
      await proxy.start();
      const { server } = await serve(proxy.urlFor(database.url));
      const lock = await lockMemberships();
      try {
        // The token lookup succeeds, and the page query waits for the lock when the proxy drops.
        const response = callApi(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice));
        await waitFor(async () => (await lockWaiters()) === 1);
        await proxy.stop();

        expect((await response).status).toBe(503);
        expect((await response).body).toEqual(UNAVAILABLE);
      } finally {
        await lock.release();
      }
    });
  });

  describe('graceful shutdown', () => {
    it('finishes in-flight requests and refuses new connections', async () => {
      const burst = 5;
      const { server } = await serve(database.url, { poolSize: burst });
      const lock = await lockMemberships();
      try {
        const url = mutualRoomsUrl(server.url, { user_id: BOB });
        const responses = Array.from({ length: burst }, () => fetch(url, bearer(alice)));
        await waitFor(async () => (await lockWaiters()) === burst);

        const shutdown = server.shutdown(30_000);
        await waitFor(
          async () => (await fetch(`${server.url}/health/live`).catch(() => undefined)) === undefined,
        );
        await lock.release();
        const finished = await Promise.all(responses);

        expect(finished.map((response) => response.status)).toEqual(Array(burst).fill(200));
        expect(finished.map((response) => response.headers.get('connection'))).toEqual(
          Array(burst).fill('close'),
        );
        const bodies = (await Promise.all(finished.map((response) => response.json()))) as MutualRoomsBody[];
        expect(bodies.map((body) => body.joined)).toEqual(Array(burst).fill(ROOMS));
        expect(await shutdown).toEqual({ abortedRequests: 0 });
      } finally {
        await lock.release();
      }
    });

    it('ends requests still running after the timeout', async () => {
      const { server } = await serve(database.url);
      const lock = await lockMemberships();
      try {
        const response = fetch(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice));
        await waitFor(async () => (await lockWaiters()) === 1);

        const outcome = await server.shutdown(100);

        expect(outcome).toEqual({ abortedRequests: 1 });
        await expect(response).rejects.toThrow('fetch failed');
      } finally {
        await lock.release();
      }
    });
  });
});
