import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { bearer, callApi, type MutualRoomsBody, mutualRoomsUrl } from '../helpers/http.js';
import { type RunningProcess, startProcess } from '../helpers/process.js';
import {
  createTestDatabase,
  requireUrl,
  serviceUrl,
  suiteName,
  type TestDatabase,
  waitFor,
} from '../helpers/services.js';
import { createTempDirs } from '../helpers/temp-dir.js';

/**
 * Two `mutual-rooms serve` processes (the real CLI through tsx) on one PostgreSQL database and
 * one Redis, sharing one secret: what a deployment behind a reverse proxy runs.
 */
const postgres = serviceUrl('DATABASE_URL_TEST');
const redis = serviceUrl('REDIS_URL_TEST');
const services = postgres.url === undefined ? postgres : redis;

const PAGE_SIZE = 7;
const RATE_LIMIT = 30;
const BURST = 20;
const POOL_SIZE = BURST;

// Rate-limit counters in Redis outlive a run by one window, so each run has its own user IDs.
const SERVER_NAME = `run${randomBytes(4).toString('hex')}.example`;
const PAGINATOR = `@paginator:${SERVER_NAME}`;
const LIMITED = `@limited:${SERVER_NAME}`;
const BURSTER = `@burster:${SERVER_NAME}`;
const PEER = `@peer:${SERVER_NAME}`;
const ROOMS = Array.from({ length: 100 }, (_, n) => `!room${String(n).padStart(3, '0')}:${SERVER_NAME}`);

const dirs = createTempDirs('mutual-rooms-multi');

interface Instance {
  readonly url: string;
  readonly process: RunningProcess;
}

describe.skipIf(postgres.url === undefined || redis.url === undefined)(
  suiteName('two instances on PostgreSQL and Redis', services),
  () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    const tokens = new Map<string, string>();
    const instances: Instance[] = [];

    async function startInstance(): Promise<Instance> {
      const serve = startProcess(['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0'], env);
      const listening = await serve.waitForLine((line) => line.includes('"msg":"listening"'), 60_000);
      const instance = { url: (JSON.parse(listening) as { url: string }).url, process: serve };
      instances.push(instance);
      return instance;
    }

    function tokenOf(userId: string): string {
      const token = tokens.get(userId);
      if (token === undefined) throw new Error(`no token for ${userId}`);
      return token;
    }

    beforeAll(async () => {
      database = await createTestDatabase(requireUrl(postgres));
      env = {
        DATABASE_URL: database.url,
        REDIS_URL: requireUrl(redis),
        MUTUAL_ROOMS_SECRET: randomBytes(48).toString('base64'),
        MUTUAL_ROOMS_PAGE_SIZE: String(PAGE_SIZE),
        MUTUAL_ROOMS_RATE_LIMIT: String(RATE_LIMIT),
        MUTUAL_ROOMS_RATE_LIMIT_WINDOW_SECONDS: '600',
        MUTUAL_ROOMS_DB_POOL_SIZE: String(POOL_SIZE),
        LOG_LEVEL: 'info',
      };

      const members = join(dirs.make(), 'members.ndjson');
      const users = [PAGINATOR, LIMITED, BURSTER, PEER];
      const records = ROOMS.flatMap((room_id) =>
        users.map((user_id) => ({ room_id, user_id, membership: 'join' })),
      );
      writeFileSync(members, records.map((record) => JSON.stringify(record)).join('\n'));
      const imported = await runCli(['import', members], { env });
      expect(imported.code, imported.stderr).toBe(0);

      for (const userId of [PAGINATOR, LIMITED, BURSTER]) {
        const created = await runCli(['token', 'create', userId], { env });
        expect(created.code, created.stderr).toBe(0);
        tokens.set(userId, created.stdout.trim());
      }
      await Promise.all([startInstance(), startInstance()]);
    }, 180_000);

    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.process.stop()));
      await database?.drop();
      dirs.cleanup();
    });

    function instance(index: number): Instance {
      const found = instances[index % instances.length];
      if (found === undefined) throw new Error('instances did not start');
      return found;
    }

    it('both instances report ready', async () => {
      for (const { url } of instances) {
        const response = await fetch(`${url}/health/ready`);

        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          status: 'ready',
          checks: { store: 'ok', rate_limiter: 'ok' },
        });
      }
    });

    it('pagination across instances lists every room once', async () => {
      const joined: string[] = [];
      const servedBy: string[] = [];
      let from: string | undefined;
      for (let page = 0; page < 100; page += 1) {
        const { url } = instance(page);
        const query: Record<string, string> =
          from === undefined ? { user_id: PEER } : { user_id: PEER, from };
        const response = await callApi(mutualRoomsUrl(url, query), bearer(tokenOf(PAGINATOR)));
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        const body = response.body as MutualRoomsBody;
        expect(body.count).toBe(ROOMS.length);
        joined.push(...body.joined);
        servedBy.push(url);
        from = body.next_batch;
        if (from === undefined) break;
      }

      expect(joined).toEqual(ROOMS);
      expect(servedBy).toHaveLength(Math.ceil(ROOMS.length / PAGE_SIZE));
      expect(new Set(servedBy).size).toBe(2);
    });

    it('rate limit is shared across instances', async () => {
      const url = (index: number) => mutualRoomsUrl(instance(index).url, { user_id: PEER });
      for (let request = 0; request < RATE_LIMIT; request += 1) {
        const response = await callApi(url(0), bearer(tokenOf(LIMITED)));
        expect(response.status, `request ${request + 1}`).toBe(200);
      }

      const over = await callApi(url(1), bearer(tokenOf(LIMITED)));

      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: expect.any(Number) });
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('metrics count own requests and pool', async () => {
      const response = await fetch(`${instance(0).url}/metrics`);
      const text = await response.text();

      expect(response.status).toBe(200);
      const limitedRequests = RATE_LIMIT + Math.ceil(Math.ceil(ROOMS.length / PAGE_SIZE) / 2);
      expect(text).toContain(
        `mutual_rooms_http_requests_total{method="GET",route="/_matrix/client/v1/mutual_rooms",status="200"} ${limitedRequests}`,
      );
      expect(text).toMatch(/^mutual_rooms_store_pool_connections\{state="idle"\} \d+$/m);
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    });

    it('SIGTERM during a burst loses no request', async () => {
      const victim = instance(1);
      const survivor = instance(0);
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      let locked = false;
      try {
        // Every page query waits for this lock, so the whole burst is in flight at SIGTERM.
        await admin.query('BEGIN');
        await admin.query('LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE');
        locked = true;
        const url = mutualRoomsUrl(victim.url, { user_id: PEER });
        const burst = Array.from({ length: BURST }, () => fetch(url, bearer(tokenOf(BURSTER))));
        await waitFor(async () => {
          // Inside the locking transaction, statistics views keep their first snapshot unless cleared.
          await admin.query('SELECT pg_stat_clear_snapshot()');
          const waiting = await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return waiting.rows[0]?.n === BURST;
        });

        const exited = victim.process.stop(60_000);
        await victim.process.waitForLine((line) => line.includes('shutting down'), 10_000);
        await waitFor(
          async () => (await fetch(`${victim.url}/health/live`).catch(() => undefined)) === undefined,
        );
        await admin.query('COMMIT');
        locked = false;
        const responses = await Promise.all(burst);
        const bodies = (await Promise.all(responses.map((response) => response.json()))) as MutualRoomsBody[];

        expect(responses.map((response) => response.status)).toEqual(Array(BURST).fill(200));
        for (const body of bodies) {
          expect(body.joined).toEqual(ROOMS.slice(0, PAGE_SIZE));
          expect(body.count).toBe(ROOMS.length);
          expect(typeof body.next_batch).toBe('string');
        }
        expect(await exited, victim.process.output()).toBe(0);
        expect(victim.process.output()).toContain('"msg":"stopped"');
        expect(victim.process.output()).not.toContain('abortedRequests');

        const next = await callApi(
          mutualRoomsUrl(survivor.url, { user_id: PEER, from: bodies[0]?.next_batch ?? '' }),
          bearer(tokenOf(BURSTER)),
        );
        expect(next.status).toBe(200);
        expect((next.body as MutualRoomsBody).joined).toEqual(ROOMS.slice(PAGE_SIZE, 2 * PAGE_SIZE));
      } finally {
        if (locked) await admin.query('ROLLBACK');
        await admin.end();
      }
    });
  },
);
