import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/listen.js';
import {
  type ApiResponse,
  bearer,
  callApi,
  mutualRoomsUrl,
  STABLE_PATH,
  UNSTABLE_PATH,
} from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';
import { ALICE, ALICE_BOB_ROOMS, BOB, CAROL, HISTORICAL, loadFixture } from './fixtures.js';

interface Context {
  readonly url: string;
  /** Path of the Mutual Rooms endpoint under test, stable or unstable. */
  readonly path: string;
  readonly tokens: { readonly alice: string; readonly bob: string };
}

interface Case {
  readonly name: string;
  readonly given: (context: Context) => { url: string; init?: RequestInit };
  readonly want: { status: number; errcode?: string; body?: unknown; headers?: Record<string, string> };
}

const endpointUrl = (context: Context, query: Record<string, string | string[]>) =>
  mutualRoomsUrl(context.url, query, context.path);

const asAlice = (query: Record<string, string | string[]>) => (context: Context) => ({
  url: endpointUrl(context, query),
  init: bearer(context.tokens.alice),
});

/** Sends `query` as written, without encoding, as curl users type it. */
const rawQueryAsAlice = (query: string) => (context: Context) => ({
  url: `${context.url}${context.path}?${query}`,
  init: bearer(context.tokens.alice),
});

/** 1000 parameters before the others: one more than the default limit of node's querystring. */
const THOUSAND_PARAMS = Array.from({ length: 1000 }, (_, index) => `p${index}=${index}`).join('&');

/** Returns a user ID of exactly `bytes` UTF-8 bytes on example.org. */
function userIdOfBytes(bytes: number): string {
  return `@${'a'.repeat(bytes - '@:example.org'.length)}:example.org`;
}

const EMPTY = { joined: [], count: 0 };

const CASES: readonly Case[] = [
  // Results
  {
    name: 'bearer header lists joined rooms only',
    given: asAlice({ user_id: BOB }),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },
  {
    name: 'access_token query parameter authenticates',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB, access_token: context.tokens.alice }),
    }),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },
  {
    name: 'result is symmetric',
    given: (context) => ({
      url: endpointUrl(context, { user_id: ALICE }),
      init: bearer(context.tokens.bob),
    }),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },
  {
    name: 'unknown well-formed user is empty',
    given: asAlice({ user_id: '@nobody:example.org' }),
    want: { status: 200, body: EMPTY },
  },
  {
    name: 'user sharing nothing is empty',
    given: asAlice({ user_id: CAROL }),
    want: { status: 200, body: EMPTY },
  },
  {
    name: 'historical user ID is accepted',
    given: asAlice({ user_id: HISTORICAL }),
    want: { status: 200, body: { joined: ['!history:example.org'], count: 1 } },
  },
  {
    name: 'user ID of 255 bytes is accepted',
    given: asAlice({ user_id: userIdOfBytes(255) }),
    want: { status: 200, body: EMPTY },
  },
  {
    name: 'IPv6 server name is accepted',
    given: asAlice({ user_id: '@bob:[1234:5678::abcd]:8448' }),
    want: { status: 200, body: EMPTY },
  },
  {
    name: 'unknown query parameters are ignored',
    given: asAlice({ user_id: BOB, limit: '1' }),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },

  // Query string forms
  {
    name: 'unencoded @ and : in user_id',
    given: rawQueryAsAlice(`user_id=${BOB}`),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },
  {
    name: 'unencoded ! in a historical user_id',
    given: rawQueryAsAlice(`user_id=${HISTORICAL}`),
    want: { status: 200, body: { joined: ['!history:example.org'], count: 1 } },
  },
  {
    name: 'percent-encoded parameter name',
    given: rawQueryAsAlice(`user%5Fid=${encodeURIComponent(BOB)}`),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },
  {
    name: 'unencoded user_id given twice',
    given: rawQueryAsAlice(`user_id=${BOB}&user_id=${BOB}`),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id after 1000 other parameters',
    given: rawQueryAsAlice(`${THOUSAND_PARAMS}&user_id=${encodeURIComponent(BOB)}`),
    want: { status: 200, body: { joined: ALICE_BOB_ROOMS, count: 3 } },
  },
  {
    name: 'user_id twice after 1000 other parameters',
    given: rawQueryAsAlice(`${THOUSAND_PARAMS}&user_id=${BOB}&user_id=${CAROL}`),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },

  // user_id
  {
    name: 'own user ID is rejected',
    given: asAlice({ user_id: ALICE }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  { name: 'missing user_id', given: asAlice({}), want: { status: 400, errcode: 'M_MISSING_PARAM' } },
  {
    name: 'user_id given twice',
    given: asAlice({ user_id: [BOB, BOB] }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id of 256 bytes',
    given: asAlice({ user_id: userIdOfBytes(256) }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id without sigil',
    given: asAlice({ user_id: 'bob:example.org' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id without server name',
    given: asAlice({ user_id: '@bob' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with empty localpart',
    given: asAlice({ user_id: '@:example.org' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with space in localpart',
    given: asAlice({ user_id: '@bo b:example.org' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with non-ASCII localpart',
    given: asAlice({ user_id: '@bøb:example.org' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with control character',
    given: asAlice({ user_id: '@bob\u0001:example.org' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with empty server name',
    given: asAlice({ user_id: '@bob:' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with underscore in hostname',
    given: asAlice({ user_id: '@bob:exa_mple.org' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with six-digit port',
    given: asAlice({ user_id: '@bob:example.org:123456' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with IPv4 octet above 255',
    given: asAlice({ user_id: '@bob:1.2.3.256' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'user_id with unclosed IPv6 bracket',
    given: asAlice({ user_id: '@bob:[::1' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },

  // from
  {
    name: 'from of arbitrary text',
    given: asAlice({ user_id: BOB, from: 'next_batch_token' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'from outside the token charset',
    given: asAlice({ user_id: BOB, from: 'a+b/c=' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'from longer than 255 characters',
    given: asAlice({ user_id: BOB, from: 'A'.repeat(300) }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'empty from',
    given: asAlice({ user_id: BOB, from: '' }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },
  {
    name: 'from given twice',
    given: asAlice({ user_id: BOB, from: ['abc', 'abc'] }),
    want: { status: 400, errcode: 'M_INVALID_PARAM' },
  },

  // Authentication
  {
    name: 'missing token',
    given: (context) => ({ url: endpointUrl(context, { user_id: BOB }) }),
    want: { status: 401, errcode: 'M_MISSING_TOKEN' },
  },
  {
    name: 'unknown bearer token',
    given: (context) => ({ url: endpointUrl(context, { user_id: BOB }), init: bearer('mr_unknown') }),
    want: {
      status: 401,
      errcode: 'M_UNKNOWN_TOKEN',
      body: { errcode: 'M_UNKNOWN_TOKEN', soft_logout: false },
    },
  },
  {
    name: 'unknown query token',
    given: (context) => ({ url: endpointUrl(context, { user_id: BOB, access_token: 'mr_unknown' }) }),
    want: { status: 401, errcode: 'M_UNKNOWN_TOKEN' },
  },
  {
    name: 'basic scheme is not a token',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB }),
      init: { headers: { authorization: 'Basic YTpi' } },
    }),
    want: { status: 401, errcode: 'M_MISSING_TOKEN' },
  },
  {
    name: 'bearer without token',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB }),
      init: { headers: { authorization: 'Bearer ' } },
    }),
    want: { status: 401, errcode: 'M_MISSING_TOKEN' },
  },
  {
    name: 'header and query token together',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB, access_token: context.tokens.alice }),
      init: bearer(context.tokens.alice),
    }),
    want: { status: 401, errcode: 'M_MISSING_TOKEN' },
  },
  {
    name: 'empty access_token parameter',
    given: (context) => ({ url: endpointUrl(context, { user_id: BOB, access_token: '' }) }),
    want: { status: 401, errcode: 'M_MISSING_TOKEN' },
  },
  {
    name: 'missing token wins over invalid user_id',
    given: (context) => ({ url: endpointUrl(context, { user_id: 'bob' }) }),
    want: { status: 401, errcode: 'M_MISSING_TOKEN' },
  },

  // Routing
  {
    name: 'unknown endpoint under the base path',
    given: (context) => ({
      url: `${context.url}/_matrix/client/v1/no_such_endpoint`,
      init: bearer(context.tokens.alice),
    }),
    want: { status: 404, errcode: 'M_UNRECOGNIZED' },
  },
  {
    name: 'unknown endpoint elsewhere under /_matrix',
    given: (context) => ({ url: `${context.url}/_matrix/client/v3/sync` }),
    want: { status: 404, errcode: 'M_UNRECOGNIZED' },
  },
  {
    name: 'path in upper case',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB }).replace(context.path, context.path.toUpperCase()),
      init: bearer(context.tokens.alice),
    }),
    want: { status: 404, errcode: 'M_UNRECOGNIZED' },
  },
  {
    name: 'prefix /_MATRIX in upper case',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB }).replace('/_matrix/', '/_MATRIX/'),
      init: bearer(context.tokens.alice),
    }),
    want: { status: 404, errcode: 'M_UNRECOGNIZED' },
  },
  {
    name: 'path with trailing slash',
    given: (context) => ({
      url: endpointUrl(context, { user_id: BOB }).replace(context.path, `${context.path}/`),
      init: bearer(context.tokens.alice),
    }),
    want: { status: 404, errcode: 'M_UNRECOGNIZED' },
  },
  {
    name: 'unknown path outside /_matrix',
    given: (context) => ({ url: `${context.url}/index.html` }),
    want: { status: 404, errcode: 'M_UNRECOGNIZED' },
  },
  ...['POST', 'PUT', 'DELETE', 'PATCH'].map(
    (method): Case => ({
      name: `${method} on the endpoint`,
      given: (context) => ({
        url: endpointUrl(context, { user_id: BOB }),
        init: { ...bearer(context.tokens.alice), method },
      }),
      want: { status: 405, errcode: 'M_UNRECOGNIZED', headers: { allow: 'GET' } },
    }),
  ),
  {
    name: 'POST without a token gets 405, not 401',
    given: (context) => ({ url: endpointUrl(context, { user_id: BOB }), init: { method: 'POST' } }),
    want: { status: 405, errcode: 'M_UNRECOGNIZED', headers: { allow: 'GET' } },
  },
  {
    name: 'OPTIONS pre-flight needs no token',
    given: (context) => ({
      url: endpointUrl(context, { user_id: 'not even valid' }),
      init: { method: 'OPTIONS' },
    }),
    want: { status: 204, headers: { 'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS' } },
  },
  {
    name: 'OPTIONS on an unknown endpoint',
    given: (context) => ({
      url: `${context.url}/_matrix/client/v1/no_such_endpoint`,
      init: { method: 'OPTIONS' },
    }),
    want: { status: 204 },
  },
];

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization',
};

/** The same table holds on both paths, with the OpenAPI validator on and off. */
const VARIANTS = [
  { name: 'stable path, validation on', path: STABLE_PATH, validation: true },
  { name: 'stable path, validation off', path: STABLE_PATH, validation: false },
  { name: 'unstable path, validation on', path: UNSTABLE_PATH, validation: true },
  { name: 'unstable path, validation off', path: UNSTABLE_PATH, validation: false },
] as const;

describe.each(storeFactories)('GET /mutual_rooms on the $name store', (factory) => {
  afterAll(async () => {
    await factory.cleanup();
  });

  describe.each(VARIANTS)('$name', ({ path, validation }) => {
    let server: RunningServer;
    let context: Context;

    beforeAll(async () => {
      const store = await factory.create();
      const tokens = await loadFixture(store);
      server = await startTestServer(store, { validation });
      context = { url: server.url, path, tokens };
    });

    afterAll(async () => {
      await server.close();
    });

    it.each(CASES)('$name', async ({ given, want }) => {
      const { url, init } = given(context);
      const response: ApiResponse = await callApi(url, init);

      expect(response.status).toBe(want.status);
      if (want.errcode !== undefined)
        expect((response.body as { errcode: string }).errcode).toBe(want.errcode);
      if (want.body !== undefined) expect(response.body).toMatchObject(want.body as object);
      if (want.status === 200) expect(response.body).not.toHaveProperty('next_batch');
      for (const [name, value] of Object.entries(want.headers ?? {}))
        expect(response.headers.get(name)).toBe(value);
    });

    it.each<[string, Case['given']]>([
      ['200', asAlice({ user_id: BOB })],
      ['400', asAlice({ user_id: 'bob' })],
      ['401', (c) => ({ url: endpointUrl(c, { user_id: BOB }) })],
      ['404', (c) => ({ url: `${c.url}/_matrix/client/v1/nope` })],
    ])('CORS headers on a %s response', async (_status, given) => {
      const { url, init } = given(context);
      const response = await callApi(url, init);
      for (const [name, value] of Object.entries(CORS)) expect(response.headers.get(name)).toBe(value);
    });

    it('error messages name the parameter and the expected form', async () => {
      const response = await callApi(
        endpointUrl(context, { user_id: '@:example.org' }),
        bearer(context.tokens.alice),
      );
      const { error } = response.body as { error: string };
      expect(error).toContain('user_id');
      expect(error).toContain('"@:example.org"');
      expect(error).toContain('@alice:example.org');
    });

    it.each([
      ['DEL in the localpart', '@bob\u007f:example.org', '\\u007f'],
      ['C1 control in the localpart', '@bob\u0085:example.org', '\\u0085'],
      ['DEL in the server name', '@bob:exa\u007fmple.org', '\\u007f'],
      ['bidirectional override in the server name', '@bob:\u202eexample.org', '\\u202e'],
    ])('error messages escape %s', async (_name, userId, escaped) => {
      const response = await callApi(endpointUrl(context, { user_id: userId }), bearer(context.tokens.alice));
      const { error } = response.body as { error: string };
      expect(response.status).toBe(400);
      expect(error).toContain(escaped);
      expect(error).not.toMatch(/[\u007f-\u009f\u202e]/);
    });

    it('responses carry a request id', async () => {
      const response = await callApi(endpointUrl(context, { user_id: BOB }), {
        headers: { authorization: `Bearer ${context.tokens.alice}`, 'x-request-id': 'trace-42' },
      });
      expect(response.headers.get('x-request-id')).toBe('trace-42');
    });

    it('HEAD on the endpoint gets 405', async () => {
      const response = await fetch(endpointUrl(context, { user_id: BOB }), {
        ...bearer(context.tokens.alice),
        method: 'HEAD',
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
    });
  });
});

describe.each(storeFactories)('validation off on the $name store', (factory) => {
  const servers: RunningServer[] = [];
  const contexts: Record<'on' | 'off', Context[]> = { on: [], off: [] };

  beforeAll(async () => {
    const store = await factory.create();
    const tokens = await loadFixture(store);
    const secret = Buffer.alloc(32, 1);
    for (const mode of ['on', 'off'] as const) {
      const server = await startTestServer(store, { validation: mode === 'on', secret });
      servers.push(server);
      contexts[mode] = [STABLE_PATH, UNSTABLE_PATH].map((path) => ({ url: server.url, path, tokens }));
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await factory.cleanup();
  });

  it.each(CASES)('sends the same response: $name', async ({ given }) => {
    for (const [index, on] of contexts.on.entries()) {
      const off = contexts.off[index] as Context;
      const withValidation = await callApi(given(on).url, given(on).init);
      const withoutValidation = await callApi(given(off).url, given(off).init);

      expect(withoutValidation.status).toBe(withValidation.status);
      expect(withoutValidation.body).toEqual(withValidation.body);
      expect(withoutValidation.headers.get('allow')).toBe(withValidation.headers.get('allow'));
    }
  });
});
