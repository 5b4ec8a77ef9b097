import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken, createApp, MemoryRateLimiter } from '../../src/server/index.js';
import { bearer, callApi, mutualRoomsUrl } from '../helpers/http.js';
import { storeFactories } from '../helpers/stores.js';

describe.each(storeFactories)('createApp mounted in another Express app ($name store)', (factory) => {
  let server: ReturnType<express.Express['listen']>;
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    const store = await factory.create();
    token = await createAccessToken(store, '@alice:example.org');
    const rateLimiter = new MemoryRateLimiter({ limit: 100, windowMs: 60_000 });
    const parent = express();
    parent.get('/health', (_req, res) => {
      res.json({ ok: true });
    });
    parent.use(
      createApp({
        store,
        rateLimiter,
        config: { secret: randomBytes(32), pageSize: 10, tokenTtlSeconds: 600 },
      }),
    );
    parent.use(
      '/prefix',
      createApp({
        store,
        rateLimiter,
        config: { secret: randomBytes(32), pageSize: 10, tokenTtlSeconds: 600 },
      }),
    );
    parent.get('/after', (_req, res) => {
      res.json({ after: true });
    });
    server = parent.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await factory.cleanup();
  });

  it('serves the API', async () => {
    const response = await callApi(mutualRoomsUrl(baseUrl, { user_id: '@bob:example.org' }), bearer(token));
    expect(response.status).toBe(200);
  });

  it('serves the API under a mount path', async () => {
    const response = await callApi(
      mutualRoomsUrl(`${baseUrl}/prefix`, { user_id: '@bob:example.org' }),
      bearer(token),
    );
    expect(response.status).toBe(200);
    const unknown = await callApi(`${baseUrl}/prefix/_matrix/client/v1/nope`, bearer(token));
    expect(unknown.status).toBe(404);
  });

  it('leaves the parent routes before and after it working', async () => {
    expect(await (await fetch(`${baseUrl}/health`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${baseUrl}/after`)).json()).toEqual({ after: true });
  });
});
