import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { redactAccessToken } from '../../src/server/logging.js';
import { callApi, mutualRoomsUrl } from '../helpers/http.js';
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
    ['/p?my_access_token=kept', '/p?my_access_token=kept'],
    ['/p', '/p'],
  ])('%s', (url, want) => {
    expect(redactAccessToken(url)).toBe(want);
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
