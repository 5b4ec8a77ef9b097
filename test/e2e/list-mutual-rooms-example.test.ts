/**
 * Runs `scripts/examples/list-mutual-rooms.mjs` against a real server. The script imports the
 * package by name (`mutual-rooms/client`), which Node resolves through `exports` to `dist/`. So
 * the test compiles the library into a private copy of the package, where the script resolves
 * the same way, and never touches the repository's `dist/`, which the pack test builds.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../src/server/access-tokens.js';
import type { RunningServer } from '../../src/server/listen.js';
import { STABLE_PATH } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';
import { startTestServer } from '../helpers/server.js';
import { sqliteStoreFactory } from '../helpers/stores.js';
import { createTempDirs } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const SCRIPT = 'scripts/examples/list-mutual-rooms.mjs';
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const SHARED = Array.from({ length: 10 }, (_, index) => `!room${String(index).padStart(2, '0')}:example.org`);
const PAGE_SIZE = 3;
// tsc and node run in child processes; on a loaded machine each takes several seconds.
const CHILD_TIMEOUT_MS = 120_000;

interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Copies package.json and the script next to a fresh build, with the repository's node_modules. */
async function buildPackageCopy(root: string): Promise<string> {
  const tsc = join(repo, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(root, 'dist')], {
    cwd: repo,
  });
  copyFileSync(join(repo, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  mkdirSync(join(root, 'scripts/examples'), { recursive: true });
  copyFileSync(join(repo, SCRIPT), join(root, SCRIPT));
  return join(root, SCRIPT);
}

async function runScript(script: string, args: string[], env: Record<string, string>): Promise<ScriptResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      timeout: CHILD_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('list-mutual-rooms example script', () => {
  const dirs = createTempDirs('mutual-rooms-example');
  const stores = sqliteStoreFactory();
  const logs = captureLogs();
  let server: RunningServer;
  let script: string;
  let token: string;

  beforeAll(async () => {
    script = await buildPackageCopy(dirs.make());
    const store = await stores.create();
    for (const roomId of SHARED) {
      for (const userId of [ALICE, BOB]) await store.setMembership({ roomId, userId, membership: 'join' });
    }
    token = await createAccessToken(store, ALICE);
    server = await startTestServer(store, { pageSize: PAGE_SIZE, logger: logs.logger });
  }, CHILD_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
    await stores.cleanup();
    dirs.cleanup();
  });

  it(
    'lists every page, then reports the bad request',
    async () => {
      const result = await runScript(script, [BOB], {
        MATRIX_BASE_URL: server.url,
        MATRIX_ACCESS_TOKEN: token,
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`10 mutual rooms with ${BOB}:`);
      expect(lines.slice(1, 11)).toEqual(SHARED.map((roomId) => `  ${roomId}`));
      expect(lines[11]).toMatch(/^bad request: HTTP 400 M_INVALID_PARAM: Query parameter user_id /);

      const pages = logs
        .lines()
        .filter((line) => (line.req as { path?: string } | undefined)?.path === STABLE_PATH);
      // Four pages of at most three rooms, then the bad request.
      expect(pages).toHaveLength(5);
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    'prints the usage and exits with 2 without a user ID',
    async () => {
      const result = await runScript(script, [], { MATRIX_BASE_URL: server.url, MATRIX_ACCESS_TOKEN: token });

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^usage: /);
    },
    CHILD_TIMEOUT_MS,
  );
});
