import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { bearer, callApi, mutualRoomsUrl, STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const SHARED = Array.from({ length: 7 }, (_, index) => `!room${index}:example.org`);
const PAGE_SIZE = 3;

interface UnstableBody {
  readonly joined: string[];
  readonly count: number;
  readonly next_batch?: string;
  readonly next_batch_token?: string;
}

describe.each(storeFactories)('unstable MSC2666 path on the $name store', (factory) => {
  afterAll(async () => {
    await factory.cleanup();
  });

  describe.each([
    { mode: 'on', validation: true },
    { mode: 'off', validation: false },
  ])('validation $mode', ({ validation }) => {
    let server: RunningServer;
    let token: string;

    beforeAll(async () => {
      const store = await factory.create();
      for (const roomId of SHARED) {
        for (const userId of [ALICE, BOB]) await store.setMembership({ roomId, userId, membership: 'join' });
      }
      token = await createAccessToken(store, ALICE);
      server = await startTestServer(store, { pageSize: PAGE_SIZE, validation });
    });

    afterAll(async () => {
      await server.close();
    });

    async function page(query: Record<string, string | string[]>, path = UNSTABLE_PATH) {
      return callApi(mutualRoomsUrl(server.url, { user_id: BOB, ...query }, path), bearer(token));
    }

    it.each(['batch_token', 'from'])('pages with %s and returns both token fields', async (name) => {
      const joined: string[] = [];
      let next: string | undefined;
      for (let request = 0; request < 5; request += 1) {
        const response = await page(next === undefined ? {} : { [name]: next });
        expect(response.status).toBe(200);
        const body = response.body as UnstableBody;
        expect(body.next_batch_token).toBe(body.next_batch);
        expect(body.count).toBe(SHARED.length);
        joined.push(...body.joined);
        next = body.next_batch;
        if (next === undefined) break;
      }
      expect(next).toBeUndefined();
      expect(joined).toEqual(SHARED);
    });

    it('omits both token fields on the last page', async () => {
      const first = (await page({})).body as UnstableBody;
      const second = (await page({ batch_token: first.next_batch ?? '' })).body as UnstableBody;
      const last = (await page({ batch_token: second.next_batch ?? '' })).body as UnstableBody;
      expect(last.joined).toEqual(SHARED.slice(6));
      expect(last).not.toHaveProperty('next_batch');
      expect(last).not.toHaveProperty('next_batch_token');
    });

    it.each([
      ['from and batch_token together', (token: string) => ({ from: token, batch_token: token })],
      ['batch_token twice', (token: string) => ({ batch_token: [token, token] })],
      ['from twice', (token: string) => ({ from: [token, token] })],
    ])('rejects %s', async (_name, query) => {
      const first = (await page({})).body as UnstableBody;
      const response = await page(query(first.next_batch ?? ''));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    });

    it('names batch_token in the error for an invalid token', async () => {
      const response = await page({ batch_token: 'not-a-token' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
      expect((response.body as { error: string }).error).toContain('Query parameter batch_token');
    });

    it('keeps the stable body to the spec fields', async () => {
      const response = await page({}, STABLE_PATH);
      expect(Object.keys(response.body as object).sort()).toEqual(['count', 'joined', 'next_batch']);
    });

    it('ignores batch_token on the stable path, which the spec does not define', async () => {
      const first = (await page({}, STABLE_PATH)).body as UnstableBody;
      const again = await page({ batch_token: first.next_batch ?? '' }, STABLE_PATH);
      expect((again.body as UnstableBody).joined).toEqual(SHARED.slice(0, PAGE_SIZE));
    });

    it('accepts a stable next_batch on the unstable path', async () => {
      const first = (await page({}, STABLE_PATH)).body as UnstableBody;
      const second = await page({ batch_token: first.next_batch ?? '' });
      expect((second.body as UnstableBody).joined).toEqual(SHARED.slice(PAGE_SIZE, 2 * PAGE_SIZE));
    });
  });
});
