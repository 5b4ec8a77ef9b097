import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import type { MembershipStore } from '../../src/store/types.js';
import { bearer, callApi, mutualRoomsUrl } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';
const GENERIC_500 = { errcode: 'M_UNKNOWN', error: 'Internal server error' };

describe.each(storeFactories)('unexpected failures on the $name store', (factory) => {
  let store: MembershipStore;
  let server: RunningServer;
  let token: string;
  const logs = captureLogs();

  beforeAll(async () => {
    store = await factory.create();
    token = await createAccessToken(store, ALICE);
    // The store accepts any string; these rooms break the response schema (mx-room-id).
    for (const [roomId, userId] of [
      ['!missing-server-name', '@bad-format:example.org'],
      ['room-without-sigil:example.org', '@bad-pattern:example.org'],
    ] as const) {
      for (const member of [ALICE, userId])
        await store.setMembership({ roomId, userId: member, membership: 'join' });
    }
    server = await startTestServer(store, { logger: logs.logger });
  });

  afterAll(async () => {
    await server.close();
    await factory.cleanup();
  });

  it.each([
    ['a room ID failing mx-room-id', '@bad-format:example.org', 'mx-room-id'],
    ['a room ID failing the pattern', '@bad-pattern:example.org', 'pattern'],
  ])('turns a response with %s into a logged 500', async (_name, userId, reason) => {
    const response = await callApi(mutualRoomsUrl(server.url, { user_id: userId }), bearer(token));
    expect(response.status).toBe(500);
    expect(response.body).toEqual(GENERIC_500);

    const logged = logs.lines().filter((line) => line.level === 50);
    expect(JSON.stringify(logged)).toContain(reason);
    expect(JSON.stringify(response.body)).not.toContain(reason);
  });

  it('turns a failing store into 500, also during authentication', async () => {
    const broken = await factory.create();
    const brokenToken = await createAccessToken(broken, ALICE);
    const brokenServer = await startTestServer(broken, { logger: logs.logger });
    try {
      await broken.close();
      const response = await callApi(
        mutualRoomsUrl(brokenServer.url, { user_id: '@bob:example.org' }),
        bearer(brokenToken),
      );
      expect(response.status).toBe(500);
      expect(response.body).toEqual(GENERIC_500);
    } finally {
      await brokenServer.close();
    }
  });
});
