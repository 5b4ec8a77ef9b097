import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PAIR, demoSharedRoomCount } from '../../src/demo/dataset.js';
import { callApi, type MutualRoomsBody } from '../helpers/http.js';
import { type RunningProcess, startProcess } from '../helpers/process.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const dirs = createTempDirs('mutual-rooms-start');
const processes: RunningProcess[] = [];
const CURL = /curl -s -H 'Authorization: Bearer ([^']+)' '([^']+)'/;

/** Runs scripts/start.ts (what `npm start` runs) on a free port and returns its curl command. */
async function start(db: string): Promise<{ token: string; url: string; process: RunningProcess }> {
  const running = startProcess(['--import', 'tsx', 'scripts/start.ts'], {
    MUTUAL_ROOMS_DB: db,
    MUTUAL_ROOMS_PORT: '0',
  });
  processes.push(running);
  const line = await running.waitForLine((candidate) => CURL.test(candidate), 60_000);
  const [, token = '', url = ''] = CURL.exec(line) ?? [];
  return { token, url, process: running };
}

async function followPages(url: string, token: string): Promise<MutualRoomsBody[]> {
  const pages: MutualRoomsBody[] = [];
  let next: string | undefined = url;
  while (next !== undefined && pages.length < 10) {
    const response = await callApi(next, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const page = response.body as MutualRoomsBody;
    pages.push(page);
    next = page.next_batch === undefined ? undefined : `${url}&from=${page.next_batch}`;
  }
  return pages;
}

describe('acceptance: npm start', () => {
  afterAll(async () => {
    await Promise.all(processes.map((running) => running.stop()));
    dirs.cleanup();
  });

  it('serves the demo, and the printed curl command returns the pair rooms', async () => {
    const db = join(dirs.make(), 'data', 'demo.db');
    const first = await start(db);
    expect(first.url).toContain(`user_id=${encodeURIComponent(DEMO_PAIR.userId)}`);

    const pages = await followPages(first.url, first.token);
    const shared = demoSharedRoomCount(100);
    expect(pages).toHaveLength(Math.ceil(shared / 100));
    expect(pages.flatMap((page) => page.joined)).toHaveLength(shared);
    expect(pages[0]?.count).toBe(shared);
    expect(await first.process.stop()).toBe(0);

    // A second start keeps the data, loads nothing twice and prints a working new token.
    const second = await start(db);
    const again = await followPages(second.url, second.token);
    expect(again.flatMap((page) => page.joined)).toEqual(pages.flatMap((page) => page.joined));
    expect(second.process.output()).not.toContain('loaded the demo dataset');
  });
});
