import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/listen.js';
import { bearer, callApi, STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';
import { BOB, loadFixture } from './fixtures.js';

const QUERY = `?user_id=${encodeURIComponent(BOB)}`;

/** Paths that differ from a served one only in case or a trailing slash: Matrix paths are exact. */
const INEXACT_PATHS = [
  `/_MATRIX/client/v1/mutual_rooms${QUERY}`,
  `/_matrix/CLIENT/V1/MUTUAL_ROOMS${QUERY}`,
  `/_matrix/client/v1/Mutual_Rooms${QUERY}`,
  `/_matrix/client/v1/mutual_rooms/${QUERY}`,
  `/_matrix/client/unstable/uk.half-shot.msc2666/USER/mutual_rooms${QUERY}`,
  `/_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms/${QUERY}`,
  '/_matrix/client/versions/',
  '/_matrix/client/VERSIONS',
  '/_MATRIX/client/versions',
  '/health/live/',
  '/HEALTH/LIVE',
  '/health/ready/',
  '/metrics/',
  '/METRICS',
];

describe.each(storeFactories)('routing on the $name store', (factory) => {
  const servers: { validation: boolean; server: RunningServer }[] = [];
  let alice: string;

  beforeAll(async () => {
    const store = await factory.create();
    alice = (await loadFixture(store)).alice;
    for (const validation of [true, false]) {
      servers.push({ validation, server: await startTestServer(store, { validation }) });
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map(({ server }) => server.close()));
    await factory.cleanup();
  });

  it.each(INEXACT_PATHS)('%s gets 404 M_UNRECOGNIZED', async (path) => {
    for (const { validation, server } of servers) {
      const response = await callApi(`${server.url}${path}`, bearer(alice));
      expect(response.status, `validation ${validation}`).toBe(404);
      expect((response.body as { errcode: string }).errcode, `validation ${validation}`).toBe(
        'M_UNRECOGNIZED',
      );
    }
  });

  it.each([STABLE_PATH, UNSTABLE_PATH])('%s is served', async (path) => {
    for (const { validation, server } of servers) {
      const response = await callApi(`${server.url}${path}${QUERY}`, bearer(alice));
      expect(response.status, `validation ${validation}`).toBe(200);
    }
  });

  // Bodies other than the Mutual Rooms one, so they are not checked against its schema.
  it.each(['/_matrix/client/versions', '/health/live', '/health/ready', '/metrics'])(
    '%s is served',
    async (path) => {
      for (const { validation, server } of servers) {
        const response = await fetch(`${server.url}${path}`);
        await response.arrayBuffer();
        expect(response.status, `validation ${validation}`).toBe(200);
      }
    },
  );
});
