import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';
import { bearer, callApi, type MutualRoomsBody, mutualRoomsUrl } from '../helpers/http.js';
import { type RunningProcess, startProcess } from '../helpers/process.js';
import { createTempDirs } from '../helpers/temp-dir.js';

/**
 * Drives the compiled CLI (`bin/mutual-rooms.js`) only through `import`, `token create`, `serve`
 * and HTTP, as a user would after `npm ci`.
 */
const BIN = ['bin/mutual-rooms.js'];
const ALICE = '@alice:acceptance.example';
const BOB = '@bob:acceptance.example';
const SHARED = [
  '!a:acceptance.example',
  '!b:acceptance.example',
  '!c:acceptance.example',
  '!d:acceptance.example',
  '!e:acceptance.example',
];

const dirs = createTempDirs('mutual-rooms-acceptance');
const processes: RunningProcess[] = [];

function writeInputs(dir: string): string[] {
  const ndjson = join(dir, 'members.ndjson');
  const records = SHARED.flatMap((room) =>
    [ALICE, BOB].map((user) => ({ room_id: room, user_id: user, membership: 'join' })),
  );
  writeFileSync(ndjson, records.map((record) => JSON.stringify(record)).join('\n'));
  const csv = join(dir, 'more.csv');
  writeFileSync(
    csv,
    `room_id,user_id,membership\n!x:acceptance.example,${ALICE},join\n!x:acceptance.example,${BOB},leave\n`,
  );
  return [ndjson, csv];
}

async function startServe(db: string): Promise<{ url: string; process: RunningProcess }> {
  const serve = startProcess([...BIN, 'serve', '--db', db, '--port', '0', '--page-size', '2'], {
    LOG_LEVEL: 'info',
  });
  processes.push(serve);
  const listening = await serve.waitForLine((line) => line.includes('"msg":"listening"'), 30_000);
  return { url: (JSON.parse(listening) as { url: string }).url, process: serve };
}

async function allPages(url: string, token: string): Promise<MutualRoomsBody[]> {
  const pages: MutualRoomsBody[] = [];
  let from: string | undefined;
  do {
    const query: Record<string, string> = { user_id: BOB, ...(from === undefined ? {} : { from }) };
    const response = await callApi(mutualRoomsUrl(url, query), bearer(token));
    expect(response.status).toBe(200);
    pages.push(response.body as MutualRoomsBody);
    from = (response.body as MutualRoomsBody).next_batch;
  } while (from !== undefined && pages.length < 10);
  return pages;
}

describe('acceptance: mutual-rooms CLI and HTTP', () => {
  let db: string;
  let alice: string;

  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'pipe' });
    db = join(dirs.make(), 'mutual-rooms.db');
  });

  afterAll(async () => {
    await Promise.all(processes.map((running) => running.stop()));
    dirs.cleanup();
  });

  it('imports membership files', async () => {
    const result = await runCli(['import', '--db', db, ...writeInputs(dirs.make())], { entry: BIN });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('imported 10 records into 10 memberships');
  });

  it('creates an access token', async () => {
    const result = await runCli(['token', 'create', ALICE, '--db', db], { entry: BIN });
    expect(result.code, result.stderr).toBe(0);
    alice = result.stdout.trim();
    expect(result.stdout).toBe(`${alice}\n`);
  });

  it('serves the mutual rooms page by page and keeps tokens across a restart', async () => {
    const first = await startServe(db);
    const pages = await allPages(first.url, alice);
    expect(pages.flatMap((page) => page.joined)).toEqual(SHARED);
    expect(pages.map((page) => page.count)).toEqual([5, 5, 5]);

    const secondPageToken = pages[0]?.next_batch ?? '';
    expect(await first.process.stop()).toBe(0);

    const second = await startServe(db);
    const resumed = await callApi(
      mutualRoomsUrl(second.url, { user_id: BOB, from: secondPageToken }),
      bearer(alice),
    );
    expect(resumed.status).toBe(200);
    expect((resumed.body as MutualRoomsBody).joined).toEqual(SHARED.slice(2, 4));
  });

  describe('Matrix errors', () => {
    let url: string;

    beforeAll(async () => {
      url = (await startServe(db)).url;
    });

    it.each([
      ['missing token', () => ({ query: { user_id: BOB }, init: {} }), 401, 'M_MISSING_TOKEN'],
      ['unknown token', () => ({ query: { user_id: BOB }, init: bearer('mr_nope') }), 401, 'M_UNKNOWN_TOKEN'],
      ['own user ID', () => ({ query: { user_id: ALICE }, init: bearer(alice) }), 400, 'M_INVALID_PARAM'],
      ['invalid user ID', () => ({ query: { user_id: 'bob' }, init: bearer(alice) }), 400, 'M_INVALID_PARAM'],
    ])('answers %s', async (_name, given, status, errcode) => {
      const { query, init } = given();
      const response = await callApi(mutualRoomsUrl(url, query), init);
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ errcode });
    });
  });
});
