import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runServeCommand } from '../../src/cli/serve.js';
import { createAccessToken } from '../../src/server/access-tokens.js';
import { ConfigError, loadServeConfig } from '../../src/server/config.js';
import type { RunningServer } from '../../src/server/listen.js';
import { bearer, mutualRoomsUrl } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { storeFactories } from '../helpers/stores.js';

const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
/** A room ID without a server name, which the store accepts and the spec's mx-room-id format rejects. */
const OFF_SPEC_ROOM = '!missing-server-name';

describe('validate setting of serve', () => {
  it.each([
    ['defaults to on', {}, {}, true],
    ['--no-validate turns it off', { 'no-validate': true }, {}, false],
    ['MUTUAL_ROOMS_VALIDATE=false turns it off', {}, { MUTUAL_ROOMS_VALIDATE: 'false' }, false],
    ['MUTUAL_ROOMS_VALIDATE=true keeps it on', {}, { MUTUAL_ROOMS_VALIDATE: 'true' }, true],
    [
      '--no-validate wins over the variable',
      { 'no-validate': true },
      { MUTUAL_ROOMS_VALIDATE: 'true' },
      false,
    ],
  ])('%s', (_name, values, env, want) => {
    expect(loadServeConfig(values, env).validate).toBe(want);
  });

  it('rejects a variable value other than true or false', () => {
    expect(() => loadServeConfig({}, { MUTUAL_ROOMS_VALIDATE: 'no' })).toThrow(ConfigError);
    expect(() => loadServeConfig({}, { MUTUAL_ROOMS_VALIDATE: 'no' })).toThrow(/true or false, got "no"/);
  });

  it('accepts --no-validate on the command line and documents it', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await runServeCommand(['--no-validate', '--help'])).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain('--no-validate        MUTUAL_ROOMS_VALIDATE=false');
    } finally {
      log.mockRestore();
    }
  });
});

describe.each(storeFactories)('validation switch on the $name store', (factory) => {
  const servers: Record<'on' | 'off', RunningServer | undefined> = { on: undefined, off: undefined };
  let token: string;

  beforeAll(async () => {
    const store = await factory.create();
    for (const userId of [ALICE, BOB]) {
      await store.setMembership({ roomId: OFF_SPEC_ROOM, userId, membership: 'join' });
    }
    token = await createAccessToken(store, ALICE);
    servers.on = await startTestServer(store, { validation: true });
    servers.off = await startTestServer(store, { validation: false });
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server?.close()));
    await factory.cleanup();
  });

  async function request(mode: 'on' | 'off'): Promise<Response> {
    const url = servers[mode]?.url ?? '';
    return fetch(mutualRoomsUrl(url, { user_id: BOB }), bearer(token));
  }

  it('on, turns a 200 body off the spec into 500', async () => {
    const response = await request('on');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ errcode: 'M_UNKNOWN', error: 'Internal server error' });
  });

  it('off, sends the same body unchecked', async () => {
    const response = await request('off');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ joined: [OFF_SPEC_ROOM], count: 1 });
  });
});
