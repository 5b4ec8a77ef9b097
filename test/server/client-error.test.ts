import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorToMatrixError } from '../../src/server/client-error.js';
import type { RunningServer } from '../../src/server/listen.js';
import { bearer, callApi, mutualRoomsUrl, STABLE_PATH } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { checkResponse } from '../helpers/response-checker.js';
import { startTestServer } from '../helpers/server.js';
import { sqliteStoreFactory } from '../helpers/stores.js';
import { BOB, loadFixture } from './fixtures.js';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends `request` as raw bytes and reads the response until the server closes the connection. */
async function sendRaw(url: string, request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(request);
  await once(socket, 'close');

  const text = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** A request line of over 20 KB, beyond Node's default header limit of 16 KiB, with a token in it. */
const OVERSIZED_REQUEST = `GET ${STABLE_PATH}?user_id=%40bob%3Aexample.org&access_token=mr_oversized&pad=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

describe('client errors of the HTTP parser', () => {
  const factory = sqliteStoreFactory();
  const logs = captureLogs();
  let server: RunningServer;
  let alice: string;

  beforeAll(async () => {
    const store = await factory.create();
    alice = (await loadFixture(store)).alice;
    server = await startTestServer(store, { logger: logs.logger });
  });

  afterAll(async () => {
    await server.close();
    await factory.cleanup();
  });

  it.each([
    {
      name: '20 KB query string',
      request: () => OVERSIZED_REQUEST,
      status: 431,
      errcode: 'M_TOO_LARGE',
    },
    {
      name: 'malformed request line',
      request: () => 'GET\r\n\r\n',
      status: 400,
      errcode: 'M_UNRECOGNIZED',
    },
    {
      name: 'control character in the path',
      request: () => `GET ${STABLE_PATH}\x7f HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      status: 400,
      errcode: 'M_UNRECOGNIZED',
    },
  ])('$name gets a Matrix error', async ({ request, status, errcode }) => {
    const response = await sendRaw(server.url, request());
    const body: unknown = JSON.parse(response.body);

    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers.connection).toBe('close');
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(body).toMatchObject({ errcode });
    expect(checkResponse(status, response.headers['content-type'] ?? null, body)).toEqual([]);
  });

  it('logs the code but not the request', async () => {
    await sendRaw(server.url, OVERSIZED_REQUEST);
    expect(logs.text()).toContain('HPE_HEADER_OVERFLOW');
    expect(logs.text()).not.toContain('mr_oversized');
  });

  it('keeps serving afterwards', async () => {
    const response = await callApi(mutualRoomsUrl(server.url, { user_id: BOB }), bearer(alice));
    expect(response.status).toBe(200);
  });
});

describe('client error mapping', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'M_TOO_LARGE'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'M_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'M_UNKNOWN'],
    ['HPE_INVALID_METHOD', 400, 'M_UNRECOGNIZED'],
    [undefined, 400, 'M_UNRECOGNIZED'],
  ])('%s is %i %s', (code, status, errcode) => {
    const error = clientErrorToMatrixError(code, 16_384);
    expect(error.status).toBe(status);
    expect(error.errcode).toBe(errcode);
    expect(checkResponse(status, 'application/json', error.toBody())).toEqual([]);
  });

  it('names the header size limit', () => {
    expect(clientErrorToMatrixError('HPE_HEADER_OVERFLOW', 16_384).message).toContain('16384 bytes');
  });
});
