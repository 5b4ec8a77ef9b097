/**
 * CORS pre-flight requests as a browser sends them before a cross-origin GET with an
 * `Authorization` header (Fetch standard, "CORS-preflight request").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ORIGIN = 'https://app.element.example';
const PATHS = [
  ['stable', `${STABLE_PATH}?user_id=%40bob%3Aexample.org`],
  ['unstable', `${UNSTABLE_PATH}?user_id=%40bob%3Aexample.org`],
  ['versions', '/_matrix/client/versions'],
] as const;

/** Splits a header list such as `GET, POST` into lower-case items. */
function listItems(value: string | null): string[] {
  return (value ?? '').split(',').map((item) => item.trim().toLowerCase());
}

describe.each(storeFactories)('CORS pre-flight on the $name store', (factory) => {
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    const store = await factory.create();
    token = await createAccessToken(store, '@alice:example.org');
    server = await startTestServer(store);
  });

  afterAll(async () => {
    await server.close();
    await factory.cleanup();
  });

  it.each(PATHS)('allows a GET with Authorization on the %s path', async (_name, path) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(listItems(response.headers.get('access-control-allow-methods'))).toContain('get');
    expect(listItems(response.headers.get('access-control-allow-headers'))).toContain('authorization');
  });

  it.each(PATHS)('lets the browser read the GET response on the %s path', async (_name, path) => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { Origin: ORIGIN, Authorization: `Bearer ${token}` },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
