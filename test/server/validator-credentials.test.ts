import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { OPENAPI_DOCUMENT } from '../../src/server/openapi.js';
import {
  type CredentialLocation,
  credentialLocation,
  narrowSecurity,
} from '../../src/server/openapi-security.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mutualRoomsUrl, STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
/** A room ID without a server name, which the store accepts and the spec's mx-room-id format rejects. */
const OFF_SPEC_ROOM = '!missing-server-name';

const SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer' },
  headerKey: { type: 'apiKey', in: 'header', name: 'X-Token' },
  queryKey: { type: 'apiKey', in: 'query', name: 'access_token' },
  cookieKey: { type: 'apiKey', in: 'cookie', name: 'token' },
};

type Requirements = Record<string, string[]>[];

/** Returns a document with one operation secured by `security`. */
function documentWith(security: Requirements) {
  return {
    components: { securitySchemes: SCHEMES },
    security,
    paths: { '/p': { parameters: [], get: { security } } },
  };
}

describe('credentialLocation', () => {
  it.each([
    ['http', SCHEMES.bearer, 'header'],
    ['header API key', SCHEMES.headerKey, 'header'],
    ['query API key', SCHEMES.queryKey, 'query'],
    ['cookie API key', SCHEMES.cookieKey, undefined],
    ['OAuth 2', { type: 'oauth2' }, undefined],
  ])('of %s', (_name, scheme, location) => {
    expect(credentialLocation(scheme)).toBe(location);
  });
});

describe('narrowSecurity', () => {
  const cases: [string, Requirements, CredentialLocation, Requirements][] = [
    ['the spec order to the bearer scheme', [{ queryKey: [] }, { bearer: [] }], 'header', [{ bearer: [] }]],
    ['the spec order to the query scheme', [{ queryKey: [] }, { bearer: [] }], 'query', [{ queryKey: [] }]],
    [
      'header schemes together',
      [{ bearer: [], headerKey: [] }, { queryKey: [] }],
      'header',
      [{ bearer: [], headerKey: [] }],
    ],
    [
      'a mixed requirement away',
      [{ bearer: [], queryKey: [] }, { headerKey: [] }],
      'header',
      [{ headerKey: [] }],
    ],
    ['anonymous access in', [{}, { queryKey: [] }], 'header', [{}]],
    ['nothing when no requirement fits', [{ cookieKey: [] }], 'header', [{ cookieKey: [] }]],
    ['nothing for an unknown scheme', [{ missing: [] }], 'query', [{ missing: [] }]],
  ];

  it.each(cases)('narrows %s', (_name, security, location, want) => {
    const document = narrowSecurity(documentWith(structuredClone(security)), location);
    expect(document.security).toEqual(want);
    expect(document.paths['/p'].get.security).toEqual(want);
  });

  it('narrows the spec to one scheme per place', () => {
    const header = narrowSecurity(structuredClone(OPENAPI_DOCUMENT), 'header');
    const query = narrowSecurity(structuredClone(OPENAPI_DOCUMENT), 'query');
    expect(header.paths['/mutual_rooms'].get.security).toEqual([{ accessTokenBearer: [] }]);
    expect(query.paths['/mutual_rooms'].get.security).toEqual([{ accessTokenQuery: [] }]);
    expect(OPENAPI_DOCUMENT.paths['/mutual_rooms'].get.security).toHaveLength(2);
  });
});

describe('validated server with either place of the access token', () => {
  const dirs = createTempDirs('mutual-rooms-credentials');
  let store: SqliteStore;
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    store = SqliteStore.open(join(dirs.make(), 'test.db'));
    for (const userId of [ALICE, BOB]) {
      await store.setMembership({ roomId: OFF_SPEC_ROOM, userId, membership: 'join' });
    }
    token = await createAccessToken(store, ALICE);
    server = await startTestServer(store, { validation: true });
  });

  afterAll(async () => {
    await server.close();
    await store.close();
    dirs.cleanup();
  });

  const requests: [string, string, (path: string) => [string, RequestInit]][] = [
    [
      'bearer header',
      STABLE_PATH,
      (path) => [
        mutualRoomsUrl(server.url, { user_id: BOB }, path),
        { headers: { authorization: `Bearer ${token}` } },
      ],
    ],
    [
      'query token',
      STABLE_PATH,
      (path) => [mutualRoomsUrl(server.url, { user_id: BOB, access_token: token }, path), {}],
    ],
    [
      'bearer header',
      UNSTABLE_PATH,
      (path) => [
        mutualRoomsUrl(server.url, { user_id: BOB }, path),
        { headers: { authorization: `Bearer ${token}` } },
      ],
    ],
    [
      'query token',
      UNSTABLE_PATH,
      (path) => [mutualRoomsUrl(server.url, { user_id: BOB, access_token: token }, path), {}],
    ],
  ];

  it.each(requests)('validates the response of a request with a %s on %s', async (_name, path, build) => {
    const [url, init] = build(path);
    const response = await fetch(url, init);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ errcode: 'M_UNKNOWN', error: 'Internal server error' });
  });

  it.each([
    ['a bearer header', { authorization: 'Bearer mr_unknown' }, {}, 'M_UNKNOWN_TOKEN'],
    ['a query token', {}, { access_token: 'mr_unknown' }, 'M_UNKNOWN_TOKEN'],
    [
      'both places',
      { authorization: 'Bearer mr_unknown' },
      { access_token: 'mr_unknown' },
      'M_MISSING_TOKEN',
    ],
    [
      'an empty Authorization header and a query token',
      { authorization: '' },
      { access_token: 'mr_unknown' },
      'M_MISSING_TOKEN',
    ],
    ['another scheme', { authorization: 'Basic YTpi' }, {}, 'M_MISSING_TOKEN'],
  ])('rejects an unknown token in %s', async (_name, headers, query, errcode) => {
    const response = await fetch(mutualRoomsUrl(server.url, { user_id: BOB, ...query }), { headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errcode: string }).errcode).toBe(errcode);
  });
});
