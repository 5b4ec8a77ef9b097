import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createMutualRoomsClient,
  MatrixError,
  type MutualRoomsClientOptions,
  type RetryEvent,
} from '../../src/client/index.js';
import {
  BASE_URL,
  BOB,
  createFetchDouble,
  type Handler,
  json,
  TOKEN,
  VERSIONS_PATH,
} from './fetch-double.js';

const OK = { joined: ['!a:example.org'], count: 1 };

function rateLimited(headers: Record<string, string> = {}, body: Record<string, unknown> = {}): Response {
  return json(429, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', ...body }, headers);
}

/** Returns `responses` in order, then the last one again. */
function sequence(...responses: (() => Response)[]): Handler {
  let index = 0;
  return () => {
    const next = responses[Math.min(index, responses.length - 1)];
    index++;
    if (next === undefined) {
      throw new Error('sequence needs at least one response');
    }
    return next();
  };
}

function clientWith(handler: Handler, retry: MutualRoomsClientOptions['retry']) {
  const double = createFetchDouble(handler);
  const events: RetryEvent[] = [];
  const withEvents =
    retry === false || retry === undefined
      ? retry
      : { ...retry, onRetry: (event: RetryEvent) => events.push(event) };
  const client = createMutualRoomsClient({
    baseUrl: BASE_URL,
    accessToken: TOKEN,
    fetch: double.fetch,
    discovery: false,
    retry: withEvents,
  });
  return { client, double, events };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('429 retry', () => {
  it('waits the Retry-After delay, then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const double = createFetchDouble(
      sequence(
        () => rateLimited({ 'Retry-After': '2' }),
        () => json(200, OK),
      ),
    );
    let waiting: () => void = () => {};
    const waitStarted = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
      retry: { onRetry: () => waiting() },
    });

    const pending = client.getMutualRooms(BOB);
    await waitStarted;
    await vi.advanceTimersByTimeAsync(1999);
    expect(double.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);

    await expect(pending).resolves.toEqual(OK);
    expect(double.requests).toHaveLength(2);
  });

  it('reports each wait with the server delay', async () => {
    const { client, events } = clientWith(
      sequence(
        () => rateLimited({ 'Retry-After': '0' }),
        () => rateLimited({}, { retry_after_ms: 3 }),
        () => json(200, OK),
      ),
      {},
    );

    await client.getMutualRooms(BOB);

    expect(events.map(({ attempt, delayMs }) => ({ attempt, delayMs }))).toEqual([
      { attempt: 1, delayMs: 0 },
      { attempt: 2, delayMs: 3 },
    ]);
    expect(events[0]?.error).toBeInstanceOf(MatrixError);
  });

  it('uses defaultDelayMs when the server gives no delay', async () => {
    const { client, events } = clientWith(
      sequence(
        () => rateLimited(),
        () => json(200, OK),
      ),
      {
        defaultDelayMs: 7,
      },
    );

    await client.getMutualRooms(BOB);

    expect(events.map((event) => event.delayMs)).toEqual([7]);
  });

  it('stops after maxRetries and rethrows the last 429', async () => {
    const { client, double, events } = clientWith(() => rateLimited({ 'Retry-After': '0' }), {
      maxRetries: 2,
    });

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    expect(error).toBeInstanceOf(MatrixError);
    expect(error.status).toBe(429);
    expect(error.errcode).toBe('M_LIMIT_EXCEEDED');
    expect(double.requests).toHaveLength(3);
    expect(events).toHaveLength(2);
  });

  it('does not start a wait beyond maxTotalWaitMs', async () => {
    const { client, double, events } = clientWith(() => rateLimited({}, { retry_after_ms: 40 }), {
      maxRetries: 10,
      maxTotalWaitMs: 100,
    });

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    // Waits of 40 and 40 fit into 100; a third would make 120.
    expect(error.retryAfterMs).toBe(40);
    expect(double.requests).toHaveLength(3);
    expect(events).toHaveLength(2);
  });

  it('throws at once when the first delay exceeds maxTotalWaitMs', async () => {
    const { client, double } = clientWith(() => rateLimited({ 'Retry-After': '3600' }), {});

    const error = (await rejectionOf(client.getMutualRooms(BOB))) as MatrixError;

    expect(error.retryAfterMs).toBe(3_600_000);
    expect(double.requests).toHaveLength(1);
  });

  it('does not retry with retry false', async () => {
    const { client, double } = clientWith(() => rateLimited({ 'Retry-After': '0' }), false);

    await expect(client.getMutualRooms(BOB)).rejects.toBeInstanceOf(MatrixError);
    expect(double.requests).toHaveLength(1);
  });

  const notRetried = [400, 401, 403, 500, 503];
  for (const status of notRetried) {
    it(`does not retry HTTP ${status}`, async () => {
      const { client, double } = clientWith(
        () => json(status, { errcode: 'M_UNKNOWN' }, { 'Retry-After': '0' }),
        {},
      );

      await expect(client.getMutualRooms(BOB)).rejects.toMatchObject({ status });
      expect(double.requests).toHaveLength(1);
    });
  }

  it('retries a rate-limited versions request', async () => {
    const double = createFetchDouble(
      sequence(
        () => rateLimited({ 'Retry-After': '0' }),
        () => json(200, { versions: ['v1.19'] }),
        () => json(200, OK),
      ),
    );
    const client = createMutualRoomsClient({ baseUrl: BASE_URL, accessToken: TOKEN, fetch: double.fetch });

    await expect(client.getMutualRooms(BOB)).resolves.toEqual(OK);
    expect(double.urls().map((url) => url.pathname)).toEqual([
      VERSIONS_PATH,
      VERSIONS_PATH,
      '/_matrix/client/v1/mutual_rooms',
    ]);
  });
});

describe('abort', () => {
  it('rejects with the abort reason during a retry wait', async () => {
    const controller = new AbortController();
    const reason = new Error('user left the screen');
    const double = createFetchDouble(() => rateLimited({ 'Retry-After': '3600' }));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
      retry: { maxTotalWaitMs: 7_200_000, onRetry: () => controller.abort(reason) },
    });

    const error = await rejectionOf(client.getMutualRooms(BOB, { signal: controller.signal }));

    expect(error).toBe(reason);
    expect(double.requests).toHaveLength(1);
  });

  it('rejects at once with a signal already aborted', async () => {
    const double = createFetchDouble(() => json(200, OK));
    const client = createMutualRoomsClient({
      baseUrl: BASE_URL,
      accessToken: TOKEN,
      fetch: double.fetch,
      discovery: false,
    });
    const reason = new Error('cancelled before start');

    const error = await rejectionOf(client.getMutualRooms(BOB, { signal: AbortSignal.abort(reason) }));

    expect(error).toBe(reason);
  });
});

describe('retry options', () => {
  const cases: { name: string; retry: unknown; message: string }[] = [
    {
      name: 'negative maxRetries',
      retry: { maxRetries: -1 },
      message: 'retry.maxRetries must be an integer',
    },
    {
      name: 'fractional maxRetries',
      retry: { maxRetries: 1.5 },
      message: 'retry.maxRetries must be an integer',
    },
    {
      name: 'maxTotalWaitMs above the timer limit',
      retry: { maxTotalWaitMs: 2 ** 31 },
      message: 'retry.maxTotalWaitMs must be an integer from 0 to 2147483647, got 2147483648',
    },
    { name: 'NaN defaultDelayMs', retry: { defaultDelayMs: Number.NaN }, message: 'retry.defaultDelayMs' },
    {
      name: 'onRetry not a function',
      retry: { onRetry: 'log' },
      message: 'retry.onRetry must be a function',
    },
    { name: 'retry true', retry: true, message: 'retry must be an object or false, got boolean' },
  ];

  for (const { name, retry, message } of cases) {
    it(`rejects ${name}`, () => {
      const options = { baseUrl: BASE_URL, accessToken: TOKEN, retry } as MutualRoomsClientOptions;

      expect(() => createMutualRoomsClient(options)).toThrow(message);
    });
  }
});
