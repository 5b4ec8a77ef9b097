import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { checkSecurityRequirements, OPENAPI_DOCUMENT } from '../../src/server/openapi.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mutualRoomsUrl, STABLE_PATH, UNSTABLE_PATH } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
/** A room ID without a server name, which the store accepts and the spec's mx-room-id format rejects. */
const OFF_SPEC_ROOM = '!missing-server-name';

/** Returns a copy of the spec's operation security and schemes, for changing one part at a time. */
function specSecurity() {
  const document = structuredClone(OPENAPI_DOCUMENT);
  const security: Record<string, string[]>[] = [{ accessTokenQuery: [] }, { accessTokenBearer: [] }];
  expect(document.paths['/mutual_rooms'].get.security).toEqual(security);
  return {
    security: undefined as Record<string, string[]>[] | undefined,
    paths: { '/mutual_rooms': { get: { security } } } as Record<
      string,
      Record<string, { security?: Record<string, string[]>[] }>
    >,
    components: {
      securitySchemes: document.components.securitySchemes as Record<string, Record<string, unknown>>,
    },
  };
}

describe('checkSecurityRequirements', () => {
  it('accepts the spec', () => {
    expect(() => checkSecurityRequirements()).not.toThrow();
    expect(() => checkSecurityRequirements(specSecurity())).not.toThrow();
  });

  it('looks at operations only', () => {
    const document = specSecurity();
    const pathItem = document.paths['/mutual_rooms'] as Record<string, unknown>;
    pathItem.servers = [{ url: '/other' }];
    pathItem.parameters = [{ name: 'x', in: 'query' }];
    expect(() => checkSecurityRequirements(document)).not.toThrow();
  });

  it('accepts the requirements at the top level of the document', () => {
    const document = specSecurity();
    document.security = document.paths['/mutual_rooms']?.get?.security;
    delete document.paths['/mutual_rooms']?.get?.security;
    expect(() => checkSecurityRequirements(document)).not.toThrow();
  });

  it.each<[string, Record<string, string[]>[]]>([
    ['only the bearer scheme', [{ accessTokenBearer: [] }]],
    ['both schemes together', [{ accessTokenBearer: [], accessTokenQuery: [] }]],
    ['anonymous access besides', [{ accessTokenBearer: [] }, { accessTokenQuery: [] }, {}]],
    ['another scheme', [{ accessTokenBearer: [] }, { cookieToken: [] }]],
    ['no requirement', []],
  ])('names the operation that requires %s', (_name, security) => {
    const document = specSecurity();
    const operation = document.paths['/mutual_rooms']?.get;
    if (operation === undefined) throw new Error('the spec has no GET /mutual_rooms');
    operation.security = security;
    expect(() => checkSecurityRequirements(document)).toThrow(
      /^GET \/mutual_rooms of the OpenAPI document requires .*, but the server authenticates with one of accessTokenBearer, accessTokenQuery\. To fix it, change AUTHENTICATOR_SCHEMES/,
    );
  });

  it.each([
    ['reads another query parameter', 'accessTokenQuery', { type: 'apiKey', in: 'query', name: 'token' }],
    ['moves to a header', 'accessTokenQuery', { type: 'apiKey', in: 'header', name: 'access_token' }],
    ['uses another HTTP scheme', 'accessTokenBearer', { type: 'http', scheme: 'basic' }],
  ])('names a scheme that %s', (_name, scheme, definition) => {
    const document = specSecurity();
    document.components.securitySchemes[scheme] = definition;
    expect(() => checkSecurityRequirements(document)).toThrow(
      new RegExp(
        `^security scheme ${scheme} of the OpenAPI document is .*, but the server expects .*\\. To fix it, `,
      ),
    );
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

  /** Each place of the access token, with the request it builds for one path. */
  const credentials: [string, (path: string) => [string, RequestInit]][] = [
    [
      'bearer header',
      (path) => [
        mutualRoomsUrl(server.url, { user_id: BOB }, path),
        { headers: { authorization: `Bearer ${token}` } },
      ],
    ],
    ['query token', (path) => [mutualRoomsUrl(server.url, { user_id: BOB, access_token: token }, path), {}]],
  ];
  const requests = [STABLE_PATH, UNSTABLE_PATH].flatMap((path) =>
    credentials.map(([name, build]) => [name, path, build] as const),
  );

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
