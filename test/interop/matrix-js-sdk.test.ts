/**
 * matrix-js-sdk 37.5 against the real server over HTTP. Its `_unstable_getSharedRooms` reads
 * the MSC2666 flags from `GET /_matrix/client/versions`, then calls the unstable path with the
 * `user_id` query, sends `batch_token` and reads `next_batch_token` (lib/client.js of 37.5).
 */
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { UNSTABLE_PATH } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const CAROL = '@carol:example.org';
const SHARED = Array.from(
  { length: 10 },
  (_, index) => `!shared${String(index).padStart(2, '0')}:example.org`,
);
const PAGE_SIZE = 3;

interface RequestLine {
  readonly req: { readonly method: string; readonly path: string; readonly url: string };
  readonly res: { readonly statusCode: number };
}

describe.each(storeFactories)('matrix-js-sdk 37 _unstable_getSharedRooms on the $name store', (factory) => {
  const logs = captureLogs();
  let server: RunningServer;
  let client: MatrixClient;

  beforeAll(async () => {
    const store = await factory.create();
    for (const roomId of SHARED) {
      for (const userId of [ALICE, BOB]) await store.setMembership({ roomId, userId, membership: 'join' });
    }
    await store.setMembership({ roomId: '!alice-only:example.org', userId: ALICE, membership: 'join' });
    await store.setMembership({ roomId: '!invited:example.org', userId: ALICE, membership: 'join' });
    await store.setMembership({ roomId: '!invited:example.org', userId: BOB, membership: 'invite' });
    const accessToken = await createAccessToken(store, ALICE);
    server = await startTestServer(store, { pageSize: PAGE_SIZE, logger: logs.logger });
    client = createClient({ baseUrl: server.url, accessToken, userId: ALICE });
  });

  afterAll(async () => {
    client.stopClient();
    await server.close();
    await factory.cleanup();
  });

  function requests(): RequestLine[] {
    return logs
      .lines()
      .filter((line) => line.req !== undefined)
      .map((line) => line as unknown as RequestLine);
  }

  it('lists every shared room across several pages', async () => {
    const rooms = await client._unstable_getSharedRooms(BOB);

    expect(rooms).toEqual(SHARED);
    const [versions, ...pages] = requests();
    expect(versions?.req.path).toBe('/_matrix/client/versions');
    expect(versions?.res.statusCode).toBe(200);
    expect(pages.map((line) => line.req.path)).toEqual(Array(4).fill(UNSTABLE_PATH));
    expect(pages.map((line) => line.res.statusCode)).toEqual([200, 200, 200, 200]);
    expect(pages[0]?.req.url).not.toContain('batch_token=');
    for (const later of pages.slice(1)) expect(later.req.url).toContain('batch_token=');
  });

  it('returns no rooms for a user sharing none', async () => {
    expect(await client._unstable_getSharedRooms(CAROL)).toEqual([]);
  });

  it('rejects with the Matrix error of a bad request', async () => {
    await expect(client._unstable_getSharedRooms('not-a-user-id')).rejects.toMatchObject({
      errcode: 'M_INVALID_PARAM',
      httpStatus: 400,
    });
  });
});
