import { describe, expect, it } from 'vitest';
import { createMutualRoomsClient } from '../../src/client/index.js';
import {
  BASE_URL,
  BOB,
  createFetchDouble,
  json,
  pagedRooms,
  STABLE_PATH,
  TOKEN,
  VERSIONS_PATH,
} from './fetch-double.js';

const ONE_PAGE = { '': { joined: ['!a:example.org'] } };

describe('client requests', () => {
  it('sends the token in the Authorization header by default', async () => {
    const double = createFetchDouble(pagedRooms(STABLE_PATH, ONE_PAGE));
    const client = createMutualRoomsClient({ baseUrl: BASE_URL, accessToken: TOKEN, fetch: double.fetch });

    await client.getMutualRooms(BOB);

    expect(double.requests).toHaveLength(2);
    for (const request of double.requests) {
      expect(request.method).toBe('GET');
      expect(request.headers.get('Authorization')).toBe(`Bearer ${TOKEN}`);
      expect(new URL(request.url).searchParams.has('access_token')).toBe(false);
    }
  });

  it('sends the token as access_token with tokenIn query', async () => {
    const double = createFetchDouble(pagedRooms(STABLE_PATH, ONE_PAGE));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      tokenIn: 'query',
      fetch: double.fetch,
    });

    await client.getMutualRooms(BOB);

    expect(double.requests).toHaveLength(2);
    for (const request of double.requests) {
      expect(request.headers.has('Authorization')).toBe(false);
      expect(new URL(request.url).searchParams.get('access_token')).toBe(TOKEN);
    }
    expect(new URL(double.requests[1]?.url ?? '').searchParams.get('user_id')).toBe(BOB);
  });

  it('asks versions first, then calls the stable path under the spec base path', async () => {
    const double = createFetchDouble(pagedRooms(STABLE_PATH, ONE_PAGE));
    const client = createMutualRoomsClient({ baseUrl: BASE_URL, accessToken: TOKEN, fetch: double.fetch });

    const body = await client.getMutualRooms(BOB);

    expect(body).toEqual({ joined: ['!a:example.org'], count: 1 });
    const [versions, rooms] = double.urls();
    expect(versions?.href).toBe(`${BASE_URL}${VERSIONS_PATH}`);
    expect(rooms?.origin).toBe(BASE_URL);
    expect(rooms?.pathname).toBe(STABLE_PATH);
    expect([...(rooms?.searchParams.keys() ?? [])]).toEqual(['user_id']);
  });

  it('percent-encodes user_id and passes from', async () => {
    const double = createFetchDouble(() => json(200, { joined: [], count: 0 }));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });

    await client.getMutualRooms('@bob+tag:example.org', { from: 'token/with&odd=chars' });

    const request = double.requests[0];
    expect(request?.url).toBe(
      `${BASE_URL}${STABLE_PATH}?user_id=%40bob%2Btag%3Aexample.org&from=token%2Fwith%26odd%3Dchars`,
    );
  });

  it('keeps a path prefix of baseUrl and drops trailing slashes', async () => {
    const double = createFetchDouble(() => json(200, { joined: [], count: 0 }));
    const client = createMutualRoomsClient({
      baseUrl: 'https://example.org/matrix//',
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });

    await client.getMutualRooms(BOB);

    expect(double.urls()[0]?.pathname).toBe(`/matrix${STABLE_PATH}`);
  });

  it('skips the versions request with discovery off', async () => {
    const double = createFetchDouble(() => json(200, { joined: [], count: 0 }));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });

    await client.getMutualRooms(BOB);
    const endpoint = await client.discover();

    expect(double.urls().map((url) => url.pathname)).toEqual([STABLE_PATH]);
    expect(endpoint).toEqual({ kind: 'stable', path: STABLE_PATH });
  });

  it('sends no body and no Content-Type', async () => {
    const double = createFetchDouble(() => json(200, { joined: [], count: 0 }));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });

    await client.getMutualRooms(BOB);

    const request = double.requests[0];
    expect(request?.body).toBeNull();
    expect(request?.headers.has('Content-Type')).toBe(false);
  });
});
