import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  createMutualRoomsClient,
  InvalidResponseError,
  MatrixError,
  MatrixNetworkError,
  type MutualRoomsClientOptions,
} from '../../src/client/index.js';
import { BASE_URL, BOB, createFetchDouble, type Handler, json, STABLE_PATH, TOKEN } from './fetch-double.js';

function stableClient(handler: Handler, options: Partial<MutualRoomsClientOptions> = {}) {
  const double = createFetchDouble(handler);
  const client = createMutualRoomsClient({
    baseUrl: BASE_URL,
    accessToken: TOKEN,
    fetch: double.fetch,
    discovery: false,
    retry: false,
    ...options,
  });
  return { client, double };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

const STABLE_URL = `${BASE_URL}${STABLE_PATH}?user_id=%40bob%3Aexample.org`;

describe('MatrixError from error responses', () => {
  const cases: {
    name: string;
    response: () => Response;
    want: { status: number; errcode: string; error: string | undefined; retryAfterMs: number | undefined };
  }[] = [
    {
      name: '400 M_INVALID_PARAM',
      response: () => json(400, { errcode: 'M_INVALID_PARAM', error: 'The user ID provided was invalid' }),
      want: {
        status: 400,
        errcode: 'M_INVALID_PARAM',
        error: 'The user ID provided was invalid',
        retryAfterMs: undefined,
      },
    },
    {
      name: '401 M_UNKNOWN_TOKEN',
      response: () => json(401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Unrecognised access token' }),
      want: {
        status: 401,
        errcode: 'M_UNKNOWN_TOKEN',
        error: 'Unrecognised access token',
        retryAfterMs: undefined,
      },
    },
    {
      name: '403 without error text',
      response: () => json(403, { errcode: 'M_FORBIDDEN' }),
      want: { status: 403, errcode: 'M_FORBIDDEN', error: undefined, retryAfterMs: undefined },
    },
    {
      name: '502 HTML page from a proxy',
      response: () =>
        new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
      want: { status: 502, errcode: 'M_UNKNOWN', error: undefined, retryAfterMs: undefined },
    },
    {
      name: '500 JSON without errcode',
      response: () => json(500, { message: 'boom' }),
      want: { status: 500, errcode: 'M_UNKNOWN', error: undefined, retryAfterMs: undefined },
    },
    {
      name: '429 with Retry-After seconds',
      response: () =>
        json(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 9000 }, { 'Retry-After': '3' }),
      want: { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: undefined, retryAfterMs: 3000 },
    },
    {
      name: '429 with Retry-After HTTP date',
      response: () =>
        json(
          429,
          { errcode: 'M_LIMIT_EXCEEDED' },
          { 'Retry-After': 'Wed, 21 Oct 2015 07:28:05 GMT', Date: 'Wed, 21 Oct 2015 07:28:00 GMT' },
        ),
      want: { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: undefined, retryAfterMs: 5000 },
    },
    {
      name: '429 with Retry-After date already past',
      response: () =>
        json(
          429,
          { errcode: 'M_LIMIT_EXCEEDED' },
          { 'Retry-After': 'Wed, 21 Oct 2015 07:27:00 GMT', Date: 'Wed, 21 Oct 2015 07:28:00 GMT' },
        ),
      want: { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: undefined, retryAfterMs: 0 },
    },
    {
      name: '429 with retry_after_ms only',
      response: () =>
        json(429, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 2000 }),
      want: { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retryAfterMs: 2000 },
    },
    {
      name: '429 with unparsable Retry-After',
      response: () =>
        json(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1500 }, { 'Retry-After': 'soon' }),
      want: { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: undefined, retryAfterMs: 1500 },
    },
    {
      name: '429 with negative retry_after_ms',
      response: () => json(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: -5 }),
      want: { status: 429, errcode: 'M_LIMIT_EXCEEDED', error: undefined, retryAfterMs: undefined },
    },
  ];

  for (const { name, response, want } of cases) {
    it(name, async () => {
      const { client } = stableClient(response);

      const error = await rejectionOf(client.getMutualRooms(BOB));

      expect(error).toBeInstanceOf(MatrixError);
      const matrixError = error as MatrixError;
      expect(matrixError.name).toBe('MatrixError');
      expect(matrixError.status).toBe(want.status);
      expect(matrixError.errcode).toBe(want.errcode);
      expect(matrixError.error).toBe(want.error);
      expect(matrixError.retryAfterMs).toBe(want.retryAfterMs);
      expect(matrixError.method).toBe('GET');
      expect(matrixError.url).toBe(STABLE_URL);
    });
  }

  it('states method, URL, status and errcode in the message', async () => {
    const { client } = stableClient(() =>
      json(400, { errcode: 'M_INVALID_PARAM', error: 'Unknown from token' }),
    );

    const error = await rejectionOf(client.getMutualRooms(BOB));

    expect((error as Error).message).toBe(
      `GET ${STABLE_URL} failed with HTTP 400 M_INVALID_PARAM: Unknown from token`,
    );
  });

  it('counts a Retry-After date from the local clock without Date', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2015-10-21T07:28:00Z'));
    try {
      const { client } = stableClient(() =>
        json(429, { errcode: 'M_LIMIT_EXCEEDED' }, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:04 GMT' }),
      );

      const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

      expect(error.retryAfterMs).toBe(4000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the parsed body', async () => {
    const body = { errcode: 'M_LIMIT_EXCEEDED', error: 'Slow down', retry_after_ms: 10 };
    const { client } = stableClient(() => json(429, body));

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    expect(error.body).toEqual(body);
  });
});

describe('access token redaction', () => {
  const queryToken = { tokenIn: 'query' } as const;

  it('redacts the token from MatrixError', async () => {
    const { client } = stableClient(() => json(401, { errcode: 'M_UNKNOWN_TOKEN' }), queryToken);

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    expect(error.url).toBe(`${STABLE_URL}&access_token=<redacted>`);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('redacts the token from MatrixNetworkError', async () => {
    const { client } = stableClient(() => Promise.reject(new TypeError('fetch failed')), queryToken);

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixNetworkError;

    expect(error).toBeInstanceOf(MatrixNetworkError);
    expect(error.url).toBe(`${STABLE_URL}&access_token=<redacted>`);
    expect(error.message).not.toContain(TOKEN);
  });

  it('redacts the token from InvalidResponseError', async () => {
    const { client } = stableClient(() => new Response('not json', { status: 200 }), queryToken);

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as InvalidResponseError;

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.url).toBe(`${STABLE_URL}&access_token=<redacted>`);
    expect(error.message).not.toContain(TOKEN);
  });

  it('never puts the header token into errors', async () => {
    const { client } = stableClient(() => json(401, { errcode: 'M_UNKNOWN_TOKEN' }));

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    expect(error.url).toBe(STABLE_URL);
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });
});

describe('MatrixNetworkError', () => {
  it('wraps a fetch failure and keeps it as cause', async () => {
    const failure = new TypeError('fetch failed', {
      cause: new Error('getaddrinfo ENOTFOUND matrix.example.org'),
    });
    const { client } = stableClient(() => Promise.reject(failure));

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixNetworkError;

    expect(error).toBeInstanceOf(MatrixNetworkError);
    expect(error.cause).toBe(failure);
    expect(error.method).toBe('GET');
    expect(error.url).toBe(STABLE_URL);
    expect(error.message).toBe(
      `GET ${STABLE_URL} failed without a complete response: fetch failed (getaddrinfo ENOTFOUND matrix.example.org)`,
    );
  });

  it('wraps a body cut off mid-stream', async () => {
    const cut = new Error('socket hang up');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"joined": ['));
        controller.error(cut);
      },
    });
    const { client } = stableClient(() => new Response(body, { status: 200 }));

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixNetworkError;

    expect(error).toBeInstanceOf(MatrixNetworkError);
    expect(error.cause).toBe(cut);
  });

  it('wraps a refused connection of the real fetch', async () => {
    // A port that was just free: nothing listens on it once the server closes.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = createMutualRoomsClient({
      baseUrl: `http://127.0.0.1:${port}`,
      accessToken: TOKEN,
      discovery: false,
    });

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixNetworkError;

    expect(error).toBeInstanceOf(MatrixNetworkError);
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('InvalidResponseError for malformed 200 bodies', () => {
  const cases: { name: string; body: string; problem: string }[] = [
    { name: 'body not JSON', body: '<html></html>', problem: 'the body is not JSON' },
    { name: 'empty body', body: '', problem: 'the body is not JSON' },
    { name: 'array body', body: '[]', problem: 'expected a JSON object, got an array' },
    { name: 'joined missing', body: '{"count":0}', problem: 'joined must be an array of room ID strings' },
    {
      name: 'joined with a number',
      body: '{"joined":[1],"count":1}',
      problem: 'joined must be an array of room ID strings',
    },
    {
      name: 'count missing',
      body: '{"joined":[]}',
      problem: 'count must be a non-negative integer, got no count',
    },
    {
      name: 'count negative',
      body: '{"joined":[],"count":-1}',
      problem: 'count must be a non-negative integer, got -1',
    },
    {
      name: 'count a string',
      body: '{"joined":[],"count":"1"}',
      problem: 'count must be a non-negative integer, got "1"',
    },
    {
      name: 'next_batch a number',
      body: '{"joined":[],"count":0,"next_batch":5}',
      problem: 'next_batch must be a string, got number',
    },
  ];

  for (const { name, body, problem } of cases) {
    it(name, async () => {
      const { client } = stableClient(() => new Response(body, { status: 200 }));

      const error = (await rejectionOf(client.getMutualRooms(BOB))) as InvalidResponseError;

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.status).toBe(200);
      expect(error.message).toBe(`GET ${STABLE_URL} returned HTTP 200 with an invalid body: ${problem}`);
    });
  }
});

describe('next_batch end markers', () => {
  const cases: { name: string; body: unknown }[] = [
    { name: 'absent', body: { joined: ['!a:x'], count: 1 } },
    { name: 'null', body: { joined: ['!a:x'], count: 1, next_batch: null } },
    { name: 'empty string', body: { joined: ['!a:x'], count: 1, next_batch: '' } },
  ];

  for (const { name, body } of cases) {
    it(`treats ${name} next_batch as the last page`, async () => {
      const { client } = stableClient(() => json(200, body));

      const page = await client.getMutualRooms(BOB);

      expect(page).toEqual({ joined: ['!a:x'], count: 1 });
      expect('next_batch' in page).toBe(false);
    });
  }
});
