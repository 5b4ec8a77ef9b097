import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import { createApp } from '../../src/server/app.js';
import type { RunningServer } from '../../src/server/listen.js';
import { unlimitedRateLimiter } from '../../src/server/rate-limit-memory.js';
import type { EndpointOptions } from '../../src/server/routes.js';
import type { MembershipStore } from '../../src/store/types.js';
import { bearer, callApi, mutualRoomsUrl, STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';
const STABLE_FLAG = 'uk.half-shot.msc2666.query_mutual_rooms.stable';
const UNSTABLE_FLAG = 'uk.half-shot.msc2666.query_mutual_rooms';

interface Setup {
  readonly name: string;
  readonly endpoints: EndpointOptions;
  readonly versions: string[];
  readonly flags: Record<string, boolean>;
  readonly routed: readonly string[];
  readonly unrouted: readonly string[];
}

const SETUPS: readonly Setup[] = [
  {
    name: 'both paths',
    endpoints: {},
    versions: ['v1.19'],
    flags: { [STABLE_FLAG]: true, [UNSTABLE_FLAG]: true },
    routed: [STABLE_PATH, UNSTABLE_PATH],
    unrouted: [],
  },
  {
    name: 'stable path only',
    endpoints: { unstable: false },
    versions: ['v1.19'],
    flags: { [STABLE_FLAG]: true },
    routed: [STABLE_PATH],
    unrouted: [UNSTABLE_PATH],
  },
  {
    name: 'unstable path only',
    endpoints: { stable: false },
    versions: [],
    flags: { [UNSTABLE_FLAG]: true },
    routed: [UNSTABLE_PATH],
    unrouted: [STABLE_PATH],
  },
];

const versionsUrl = (server: RunningServer) => `${server.url}/_matrix/client/versions`;

describe.each(storeFactories)('GET /_matrix/client/versions on the $name store', (factory) => {
  let store: MembershipStore;
  let token: string;

  beforeAll(async () => {
    store = await factory.create();
    token = await createAccessToken(store, ALICE);
  });

  afterAll(async () => {
    await factory.cleanup();
  });

  describe.each(SETUPS)('with $name', (setup) => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await startTestServer(store, { endpoints: setup.endpoints });
    });

    afterAll(async () => {
      await server.close();
    });

    it('lists the versions and flags of the routed paths', async () => {
      const response = await fetch(versionsUrl(server));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ versions: setup.versions, unstable_features: setup.flags });
    });

    it('routes every advertised path', async () => {
      for (const path of setup.routed) {
        const response = await callApi(mutualRoomsUrl(server.url, { user_id: ALICE }, path), bearer(token));
        // Asking for one's own mutual rooms is a 400 that only a routed path sends.
        expect(response.status, path).toBe(400);
      }
    });

    it('answers 404 M_UNRECOGNIZED on every path it does not advertise', async () => {
      for (const path of setup.unrouted) {
        const response = await callApi(mutualRoomsUrl(server.url, { user_id: ALICE }, path), bearer(token));
        expect(response.status, path).toBe(404);
        expect(response.body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
      }
    });
  });

  describe('on the default server', () => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await startTestServer(store);
    });

    afterAll(async () => {
      await server.close();
    });

    it.each([
      ['no access token', {}],
      ['a valid access token', () => bearer(token)],
      ['an unknown access token', bearer('mr_unknown')],
      ['a malformed Authorization header', { headers: { authorization: 'Basic YTpi' } }],
    ])('answers 200 with %s', async (_name, init) => {
      const response = await fetch(versionsUrl(server), typeof init === 'function' ? init() : init);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ versions: ['v1.19'] });
    });

    it('adds the CORS headers', async () => {
      const response = await fetch(versionsUrl(server), { headers: { origin: 'https://app.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });

    it.each(['POST', 'PUT', 'DELETE'])('answers %s with 405 M_UNRECOGNIZED', async (method) => {
      const response = await callApi(versionsUrl(server), { method });
      expect(response.status).toBe(405);
      expect(response.body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
      expect(response.headers.get('allow')).toBe('GET');
    });
  });

  it('rejects an app with both paths turned off', () => {
    expect(() =>
      createApp({
        store,
        rateLimiter: unlimitedRateLimiter,
        config: { secret: randomBytes(32), pageSize: 10, tokenTtlSeconds: 600 },
        endpoints: { stable: false, unstable: false },
      }),
    ).toThrow(/keep at least one/);
  });
});
