import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mutualRoomsUrl, STABLE_PATH } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import { createTempDirs } from '../helpers/temp-dir.js';

/** A store whose database closed under the running server, so the token lookup throws. */
describe.each([true, false])('token lookup failure with validation %s', (validation) => {
  const dirs = createTempDirs('mutual-rooms-auth-failure');
  const logs = captureLogs();
  let store: SqliteStore;
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    store = SqliteStore.open(join(dirs.make(), 'test.db'));
    token = await createAccessToken(store, '@alice:example.org');
    server = await startTestServer(store, { logger: logs.logger, validation });
    await store.close();
  });

  afterAll(async () => {
    await server.close();
    dirs.cleanup();
  });

  it('returns 500 and logs the cause', async () => {
    const response = await fetch(mutualRoomsUrl(server.url, { user_id: '@bob:example.org' }), {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'auth-failure-1' },
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ errcode: 'M_UNKNOWN', error: 'Internal server error' });

    const line = logs
      .lines()
      .find((entry) => (entry.req as { id?: string } | undefined)?.id === 'auth-failure-1');
    expect(line).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 500 } });
    expect((line?.err as { message?: string } | undefined)?.message).toMatch(
      /database connection is not open/,
    );
    expect(logs.text()).not.toContain(token);
  });

  it('labels the failure with its route', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain(
      `mutual_rooms_http_requests_total{method="GET",route="${STABLE_PATH}",status="500"} 1`,
    );
  });
});
