import { describe, expect, it } from 'vitest';
import { hasStableEndpoint } from '../../src/client/discovery.js';
import {
  createMutualRoomsClient,
  InvalidResponseError,
  MatrixError,
  MatrixNetworkError,
  UnsupportedServerError,
} from '../../src/client/index.js';
import {
  BASE_URL,
  BOB,
  createFetchDouble,
  type Handler,
  json,
  pagedRooms,
  STABLE_PATH,
  TOKEN,
  UNSTABLE_PATH,
  VERSIONS_PATH,
} from './fetch-double.js';

const STABLE_FLAG = 'uk.half-shot.msc2666.query_mutual_rooms.stable';
const UNSTABLE_FLAG = 'uk.half-shot.msc2666.query_mutual_rooms';

function clientFor(handler: Handler) {
  const double = createFetchDouble(handler);
  const client = createMutualRoomsClient({ baseUrl: BASE_URL, accessToken: TOKEN, fetch: double.fetch });
  return { client, double };
}

function versionsOnly(body: unknown): Handler {
  return () => json(200, body);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('endpoint discovery', () => {
  const cases: { name: string; versions: unknown; want: 'stable' | 'unstable' | 'unsupported' }[] = [
    { name: 'v1.19 listed', versions: { versions: ['v1.18', 'v1.19'] }, want: 'stable' },
    { name: 'later minor listed', versions: { versions: ['v1.20'] }, want: 'stable' },
    { name: 'later major listed', versions: { versions: ['v2.0'] }, want: 'stable' },
    {
      name: 'stable flag before v1.19',
      versions: { versions: ['v1.12'], unstable_features: { [STABLE_FLAG]: true } },
      want: 'stable',
    },
    {
      name: 'stable and unstable flags',
      versions: { versions: ['v1.12'], unstable_features: { [STABLE_FLAG]: true, [UNSTABLE_FLAG]: true } },
      want: 'stable',
    },
    {
      name: 'unstable flag only',
      versions: { versions: ['v1.12'], unstable_features: { [UNSTABLE_FLAG]: true } },
      want: 'unstable',
    },
    {
      name: 'stable flag false, unstable flag true',
      versions: { versions: ['v1.12'], unstable_features: { [STABLE_FLAG]: false, [UNSTABLE_FLAG]: true } },
      want: 'unstable',
    },
    { name: 'v1.18 without flags', versions: { versions: ['r0.6.1', 'v1.18'] }, want: 'unsupported' },
    {
      name: 'unstable flag false',
      versions: { versions: ['v1.12'], unstable_features: { [UNSTABLE_FLAG]: false } },
      want: 'unsupported',
    },
    {
      name: 'flag as string "true"',
      versions: { versions: ['v1.12'], unstable_features: { [UNSTABLE_FLAG]: 'true' } },
      want: 'unsupported',
    },
    {
      name: 'path-parameter variant only',
      versions: { versions: ['v1.12'], unstable_features: { 'uk.half-shot.msc2666.mutual_rooms': true } },
      want: 'unsupported',
    },
    { name: 'no versions', versions: { versions: [] }, want: 'unsupported' },
  ];

  for (const { name, versions, want } of cases) {
    it(`${name}: ${want}`, async () => {
      const { client } = clientFor(versionsOnly(versions));

      if (want === 'unsupported') {
        const error = await rejectionOf(client.discover());
        expect(error).toBeInstanceOf(UnsupportedServerError);
        expect((error as Error).message).toContain(
          `The homeserver at ${BASE_URL} does not support the Mutual Rooms API`,
        );
        return;
      }
      const endpoint = await client.discover();
      expect(endpoint).toEqual({ kind: want, path: want === 'stable' ? STABLE_PATH : UNSTABLE_PATH });
    });
  }

  it('names the listed versions and the flags in the error', async () => {
    const { client } = clientFor(versionsOnly({ versions: ['r0.6.1', 'v1.11'] }));

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as UnsupportedServerError;

    expect(error.message).toContain('lists r0.6.1, v1.11 and neither unstable feature');
    expect(error.message).toContain(STABLE_FLAG);
    expect(error.message).toContain(UNSTABLE_FLAG);
    expect(error.versions).toEqual(['r0.6.1', 'v1.11']);
    expect(error.baseUrl).toBe(BASE_URL);
  });

  it('asks versions once per client', async () => {
    const { client, double } = clientFor(pagedRooms(STABLE_PATH, { '': { joined: ['!a:x'] } }));

    await client.getMutualRooms(BOB);
    await client.listMutualRooms(BOB);
    await client.discover();

    const paths = double.urls().map((url) => url.pathname);
    expect(paths).toEqual([VERSIONS_PATH, STABLE_PATH, STABLE_PATH]);
  });

  it('asks versions again after a failed discovery', async () => {
    let calls = 0;
    const { client, double } = clientFor((_request, url) => {
      if (url.pathname === VERSIONS_PATH) {
        calls++;
        return calls === 1 ? json(502, { errcode: 'M_UNKNOWN' }) : json(200, { versions: ['v1.19'] });
      }
      return json(200, { joined: [], count: 0 });
    });

    await expect(client.getMutualRooms(BOB)).rejects.toBeInstanceOf(MatrixError);
    await client.getMutualRooms(BOB);

    const paths = double.urls().map((url) => url.pathname);
    expect(paths).toEqual([VERSIONS_PATH, VERSIONS_PATH, STABLE_PATH]);
  });

  it('sends the access token to versions', async () => {
    const { client, double } = clientFor(versionsOnly({ versions: ['v1.19'] }));

    await client.discover();

    expect(double.requests[0]?.headers.get('Authorization')).toBe(`Bearer ${TOKEN}`);
  });

  it('rejects a malformed versions body', async () => {
    const { client } = clientFor(versionsOnly({ versions: 'v1.19' }));

    const error = await rejectionOf(client.discover());

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe(
      `GET ${BASE_URL}${VERSIONS_PATH} returned HTTP 200 with an invalid body: versions must be an array of strings`,
    );
  });

  it('throws MatrixError when versions is not routed', async () => {
    const { client } = clientFor(() =>
      json(404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' }),
    );

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    expect(error).toBeInstanceOf(MatrixError);
    expect(error.status).toBe(404);
    expect(error.url).toBe(`${BASE_URL}${VERSIONS_PATH}`);
  });

  it('throws MatrixNetworkError when versions fails to connect', async () => {
    const { client } = clientFor(() => Promise.reject(new TypeError('fetch failed')));

    await expect(client.discover()).rejects.toBeInstanceOf(MatrixNetworkError);
  });
});

describe('unstable endpoint', () => {
  const unstableVersions = { versions: ['v1.12'], unstable_features: { [UNSTABLE_FLAG]: true } };

  it('sends user_id and from on the unstable path', async () => {
    const { client, double } = clientFor(
      pagedRooms(
        UNSTABLE_PATH,
        { '': { joined: ['!a:x'], next_batch: 't1' }, t1: { joined: ['!b:x'] } },
        unstableVersions,
      ),
    );

    const list = await client.listMutualRooms(BOB);

    expect(list).toEqual({ joined: ['!a:x', '!b:x'], count: 2 });
    const [versions, first, second] = double.urls();
    expect(versions?.pathname).toBe(VERSIONS_PATH);
    expect(first?.pathname).toBe(UNSTABLE_PATH);
    expect(Object.fromEntries(first?.searchParams ?? [])).toEqual({ user_id: BOB });
    expect(second?.pathname).toBe(UNSTABLE_PATH);
    expect(Object.fromEntries(second?.searchParams ?? [])).toEqual({ user_id: BOB, from: 't1' });
  });

  const bodies: { name: string; body: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'next_batch',
      body: { joined: ['!a:x'], count: 3, next_batch: 'n1' },
      want: { joined: ['!a:x'], count: 3, next_batch: 'n1' },
    },
    {
      name: 'next_batch_token',
      body: { joined: ['!a:x'], count: 3, next_batch_token: 'n2' },
      want: { joined: ['!a:x'], count: 3, next_batch: 'n2' },
    },
    {
      name: 'both tokens, next_batch first',
      body: { joined: ['!a:x'], count: 3, next_batch: 'n1', next_batch_token: 'n2' },
      want: { joined: ['!a:x'], count: 3, next_batch: 'n1' },
    },
    {
      name: 'no count, as Synapse returns',
      body: { joined: ['!a:x', '!b:x'] },
      want: { joined: ['!a:x', '!b:x'], count: 2 },
    },
  ];

  for (const { name, body, want } of bodies) {
    it(`reads a body with ${name}`, async () => {
      const { client } = clientFor((_request, url) =>
        url.pathname === VERSIONS_PATH ? json(200, unstableVersions) : json(200, body),
      );

      const page = await client.getMutualRooms(BOB);

      expect(page).toEqual(want);
    });
  }

  it('follows next_batch_token across pages', async () => {
    const { client, double } = clientFor((_request, url) => {
      if (url.pathname === VERSIONS_PATH) {
        return json(200, unstableVersions);
      }
      return url.searchParams.get('from') === 'k1'
        ? json(200, { joined: ['!b:x'] })
        : json(200, { joined: ['!a:x'], next_batch_token: 'k1' });
    });

    const rooms = await client.listMutualRooms(BOB);

    expect(rooms.joined).toEqual(['!a:x', '!b:x']);
    expect(double.urls()[2]?.searchParams.get('from')).toBe('k1');
  });

  it('still requires count on the stable path', async () => {
    const { client } = clientFor((_request, url) =>
      url.pathname === VERSIONS_PATH ? json(200, { versions: ['v1.19'] }) : json(200, { joined: [] }),
    );

    await expect(client.getMutualRooms(BOB)).rejects.toBeInstanceOf(InvalidResponseError);
  });
});

describe('hasStableEndpoint', () => {
  const cases: [string, boolean][] = [
    ['v1.19', true],
    ['v1.20', true],
    ['v1.100', true],
    ['v2.0', true],
    ['v1.18', false],
    ['v1.9', false],
    ['v0.99', false],
    ['r0.6.1', false],
    ['v1.19.1', false],
    ['1.19', false],
    ['', false],
  ];

  for (const [version, want] of cases) {
    it(`${JSON.stringify(version)} is ${want ? '' : 'not '}v1.19 or later`, () => {
      expect(hasStableEndpoint(version)).toBe(want);
    });
  }
});
