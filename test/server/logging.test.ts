import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { createHttpLogger, createRedactingLogger } from '../../src/server/logging.js';
import { redactAccessToken, redactLogValue, redactText } from '../../src/server/redact.js';
import { callApi, mutualRoomsUrl, STABLE_PATH } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';

describe('access token redaction in URLs', () => {
  it.each([
    ['/p?access_token=secret', '/p?access_token=<redacted>'],
    ['/p?user_id=%40a%3Ab&access_token=secret&from=x', '/p?user_id=%40a%3Ab&access_token=<redacted>&from=x'],
    ['/p?access_token=a&access_token=b', '/p?access_token=<redacted>&access_token=<redacted>'],
    ['/p?access_token', '/p?access_token=<redacted>'],
    ['/p?access%5Ftoken=secret', '/p?access%5Ftoken=<redacted>'],
    ['/p?access_tok%65n=secret', '/p?access_tok%65n=<redacted>'],
    ['/p?%61ccess_token=secret', '/p?%61ccess_token=<redacted>'],
    ['/p?access_token=%E0%A4%A', '/p?access_token=<redacted>'],
    ['/p?a=%ZZ&access_token=secret', '/p?a=%ZZ&access_token=<redacted>'],
    ['/p?access_token%3Dsecret', '/p?<redacted>'],
    ['/p?a=1;access_token=secret&b=2', '/p?<redacted>&b=2'],
    ['/p?ACCESS_TOKEN=secret', '/p?<redacted>'],
    ['/p?my_access_token=secret', '/p?<redacted>'],
    ['/p?x=%2561ccess_token%253Dsecret', '/p?<redacted>'],
    ['/p?x=access+token', '/p?x=access+token'],
    ['/p/access_token=secret/q?a=1', '/p/<redacted>/q?a=1'],
    ['/p?user_id=%40a%3Ab&from=x', '/p?user_id=%40a%3Ab&from=x'],
    ['/p', '/p'],
  ])('%s', (url, want) => {
    expect(redactAccessToken(url)).toBe(want);
  });
});

describe('access token redaction in text', () => {
  it.each([
    ['GET /p?access%5Ftoken=secret failed', 'GET /p?access%5Ftoken=<redacted> failed'],
    ['{"path":"/p?a=1;access_token=secret"}', '{"path":"/p?<redacted>"}'],
    ['token access_token=secret in a message', 'token <redacted> in a message'],
    ['give the access_token query parameter once', 'give the access_token query parameter once'],
    ['at handler (/srv/app.js:1:2)', 'at handler (/srv/app.js:1:2)'],
  ])('%s', (text, want) => {
    expect(redactText(text)).toBe(want);
  });

  it('reduces request objects to method and redacted URL', () => {
    const request = {
      method: 'GET',
      url: '/p?access_token=secret',
      headers: { authorization: 'Bearer secret' },
    };
    const error: Record<string, unknown> = { message: 'failed', request };
    error.self = error;
    expect(redactLogValue(error)).toEqual({
      message: 'failed',
      request: { method: 'GET', url: '/p?access_token=<redacted>' },
      self: '[omitted]',
    });
  });

  it('applies to errors and requests logged through the app logger', () => {
    const logs = captureLogs();
    const logger = createRedactingLogger(logs.logger);
    const error = Object.assign(new Error('failed for /p?access%5Ftoken=secret-1'), {
      path: '/p?a=1;access_token=secret-2',
    });
    const req = {
      method: 'GET',
      url: '/p?%61ccess_token=secret-3',
      headers: { authorization: 'Bearer secret-4' },
    };
    logger.error({ err: error, req }, 'request failed');

    expect(logs.lines()).toHaveLength(1);
    for (const secret of ['secret-1', 'secret-2', 'secret-3', 'secret-4', 'authorization']) {
      expect(logs.text()).not.toContain(secret);
    }
  });
});

/**
 * Query strings that carry the token in forms other than a literal `access_token=`: percent-encoded
 * names, which the server accepts, and malformed queries that it rejects with 401.
 */
const TOKEN_FORMS: readonly { name: string; query: (token: string) => string; status: number }[] = [
  { name: 'plain name', query: (token) => `access_token=${token}`, status: 200 },
  { name: 'encoded underscore', query: (token) => `access%5Ftoken=${token}`, status: 200 },
  { name: 'encoded last letter', query: (token) => `access_tok%65n=${token}`, status: 200 },
  { name: 'encoded first letter', query: (token) => `%61ccess_token=${token}`, status: 200 },
  { name: 'encoded equals sign', query: (token) => `access_token%3D${token}`, status: 401 },
  { name: 'semicolon separator', query: (token) => `a=1;access_token=${token}`, status: 401 },
];

describe.each(storeFactories)('token forms in request logs on the $name store', (factory) => {
  const servers: { validation: boolean; server: RunningServer; logs: ReturnType<typeof captureLogs> }[] = [];
  let token: string;

  beforeAll(async () => {
    const store = await factory.create();
    token = await createAccessToken(store, ALICE);
    // A room ID off the spec makes response validation fail: a 500 whose logged error quotes the URL.
    for (const userId of [ALICE, '@broken:example.org']) {
      await store.setMembership({ roomId: 'not-a-room-id', userId, membership: 'join' });
    }
    for (const validation of [true, false]) {
      const logs = captureLogs();
      servers.push({
        validation,
        logs,
        server: await startTestServer(store, { logger: logs.logger, validation }),
      });
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map(({ server }) => server.close()));
    await factory.cleanup();
  });

  it.each(TOKEN_FORMS)('$name never reaches the log', async ({ query, status }) => {
    for (const { validation, server, logs } of servers) {
      const before = logs.lines().length;
      const response = await callApi(
        `${server.url}${STABLE_PATH}?user_id=%40bob%3Aexample.org&${query(token)}`,
      );
      expect(response.status, `validation ${validation}`).toBe(status);
      // With validation, a 200 body off the spec becomes a 500, whose logged error quotes the URL.
      const brokenStatus = status === 200 && validation ? 500 : status;
      const broken = await fetch(
        `${server.url}${STABLE_PATH}?user_id=%40broken%3Aexample.org&${query(token)}`,
      );
      await broken.arrayBuffer();
      expect(broken.status, `validation ${validation}`).toBe(brokenStatus);

      expect(logs.lines().length).toBe(before + 2);
      expect(logs.text()).not.toContain(token);
      expect(logs.text()).not.toContain(token.slice(3));
    }
  });
});

describe.each(storeFactories)('request logs on the $name store', (factory) => {
  const logs = captureLogs();
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    const store = await factory.create();
    token = await createAccessToken(store, ALICE);
    await store.setMembership({ roomId: 'not-a-room-id', userId: ALICE, membership: 'join' });
    await store.setMembership({ roomId: 'not-a-room-id', userId: '@broken:example.org', membership: 'join' });
    server = await startTestServer(store, { logger: logs.logger });
  });

  afterAll(async () => {
    await server.close();
    await factory.cleanup();
  });

  it('never contains access tokens', async () => {
    const unknown = 'mr_unknown-token-value';
    await callApi(mutualRoomsUrl(server.url, { user_id: '@bob:example.org', access_token: token }));
    await callApi(mutualRoomsUrl(server.url, { user_id: '@bob:example.org' }), {
      headers: { authorization: `Bearer ${token}` },
    });
    await callApi(mutualRoomsUrl(server.url, { user_id: '@bob:example.org', access_token: unknown }));
    await callApi(mutualRoomsUrl(server.url, { user_id: '@bob:example.org' }), {
      headers: { authorization: `Bearer ${unknown}` },
    });
    // A 500 from response validation logs the validator error, which quotes the request URL.
    const failed = await callApi(
      mutualRoomsUrl(server.url, { user_id: '@broken:example.org', access_token: token }),
    );
    expect(failed.status).toBe(500);

    expect(logs.lines().length).toBeGreaterThanOrEqual(5);
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).not.toContain(unknown);
    expect(logs.text().toLowerCase()).not.toContain('authorization');
  });

  it('records request id, method, path, status and latency', async () => {
    await callApi(mutualRoomsUrl(server.url, { user_id: '@bob:example.org' }), {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-test-1' },
    });
    const line = logs
      .lines()
      .find((entry) => (entry.req as { id?: string } | undefined)?.id === 'log-test-1');
    expect(line).toMatchObject({
      level: 30,
      req: { id: 'log-test-1', method: 'GET', path: '/_matrix/client/v1/mutual_rooms' },
      res: { statusCode: 200 },
    });
    expect(typeof line?.responseTime).toBe('number');
  });

  it('records the query as the client sent it', async () => {
    await callApi(`${server.url}${STABLE_PATH}?user_id=@bob:example.org`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-test-raw' },
    });
    const line = logs
      .lines()
      .find((entry) => (entry.req as { id?: string } | undefined)?.id === 'log-test-raw');
    expect(line?.req).toMatchObject({ url: `${STABLE_PATH}?user_id=@bob:example.org` });
  });

  it('logs 4xx at info with the errcode and 5xx at error', async () => {
    await callApi(mutualRoomsUrl(server.url, { user_id: '@bob:example.org' }), {
      headers: { 'x-request-id': 'log-test-401' },
    });
    await callApi(mutualRoomsUrl(server.url, { user_id: '@broken:example.org' }), {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-test-500' },
    });
    const byId = (id: string) =>
      logs.lines().find((entry) => (entry.req as { id?: string } | undefined)?.id === id);
    expect(byId('log-test-401')).toMatchObject({
      level: 30,
      errcode: 'M_MISSING_TOKEN',
      res: { statusCode: 401 },
    });
    expect(byId('log-test-500')).toMatchObject({ level: 50, res: { statusCode: 500 } });
    expect(byId('log-test-500')?.err).toBeDefined();
  });
});

describe('createHttpLogger', () => {
  /** Serves `/ok` (200), `/fail` (500 with a cause) and `/hang` (no response) on 127.0.0.1. */
  async function serve(level: string, onHang: () => void = () => {}) {
    const logs = captureLogs();
    logs.logger.level = level;
    const app = express();
    app.use(createHttpLogger(logs.logger));
    app.get('/ok', (_req, res) => {
      res.json({});
    });
    app.get('/fail', (_req, res) => {
      res.locals.cause = new Error('store broke');
      res.status(500).json({});
    });
    app.get('/hang', () => onHang());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { logs, server, url: `http://127.0.0.1:${port}` };
  }

  it('builds no line below its level, and still echoes the request id', async () => {
    const { logs, server, url } = await serve('error');
    try {
      const ok = await fetch(`${url}/ok`, { headers: { 'x-request-id': 'quiet-1' } });
      expect(ok.headers.get('x-request-id')).toBe('quiet-1');
      const failed = await fetch(`${url}/fail`, { headers: { 'x-request-id': 'loud-1' } });
      await failed.arrayBuffer();
      await new Promise((resolve) => setImmediate(resolve));
      expect(logs.lines()).toHaveLength(1);
      expect(logs.lines()[0]).toMatchObject({
        level: 50,
        msg: 'request errored',
        req: { id: 'loud-1', path: '/fail' },
        res: { statusCode: 500 },
        err: { message: 'store broke' },
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('logs a request whose connection closes before the response', async () => {
    let entered: () => void = () => {};
    const hanging = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { logs, server, url } = await serve('info', () => entered());
    try {
      const controller = new AbortController();
      const pending = fetch(`${url}/hang`, {
        signal: controller.signal,
        headers: { 'x-request-id': 'gone-1' },
      });
      await hanging;
      controller.abort();
      await expect(pending).rejects.toThrow();
      await vi.waitFor(() => expect(logs.lines()).toHaveLength(1));
      expect(logs.lines()[0]).toMatchObject({ level: 30, msg: 'request aborted', req: { id: 'gone-1' } });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
