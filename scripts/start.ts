/**
 * `npm start`: regenerates stale generated files, creates the SQLite database, loads the demo
 * memberships on first run, creates demo access tokens and serves the API (default
 * 127.0.0.1:8008) until Ctrl-C, printing a curl command for the demo pair's mutual rooms.
 * Settings come from the same environment variables as `mutual-rooms serve`.
 */
import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { CommandError } from '../src/cli/args.js';
import { serveUntilSignal } from '../src/cli/serve.js';
import { openSqliteStore } from '../src/cli/store.js';
import { DEMO_PAIR, demoMemberships } from '../src/demo/dataset.js';
import { createAccessToken } from '../src/server/access-tokens.js';
import { ConfigError, loadServeConfig, type ServeConfig } from '../src/server/config.js';
import { resolveBasePath } from '../src/server/openapi.js';

const DEMO_MARKER = 'demo_dataset_loaded_at';

/** Runs `npm run generate` when `generate --check` reports stale files. */
function regenerateIfStale(): void {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate.ts', ...args], { stdio: 'inherit' })
      .status;
  if (run(['--check']) === 0) return;
  console.error('start: generated files are stale; regenerating');
  if (run([]) !== 0)
    throw new Error('npm run generate failed; fix the spec errors above and run npm start again');
}

/** Loads the demo on first run and returns fresh tokens for the demo pair. */
async function prepareDemo(config: ServeConfig): Promise<{ requester: string; userId: string }> {
  const store = openSqliteStore(config.db);
  try {
    if (store.readMeta(DEMO_MARKER) === undefined) {
      const stats = await store.importMemberships(demoMemberships(config.pageSize));
      store.writeMeta(DEMO_MARKER, new Date().toISOString());
      console.error(`start: loaded the demo dataset into ${config.db} (${stats.memberships} memberships)`);
    }
    return {
      requester: await createAccessToken(store, DEMO_PAIR.requester),
      userId: await createAccessToken(store, DEMO_PAIR.userId),
    };
  } finally {
    await store.close();
  }
}

function printDemoCommands(url: string, tokens: { requester: string; userId: string }): void {
  const endpoint = `${url}${resolveBasePath()}/mutual_rooms?user_id=${encodeURIComponent(DEMO_PAIR.userId)}`;
  console.log(`
Mutual Rooms API listening on ${url} (Ctrl-C stops it)

Demo access tokens:
  ${DEMO_PAIR.requester}  ${tokens.requester}
  ${DEMO_PAIR.userId}  ${tokens.userId}

Mutual rooms of ${DEMO_PAIR.requester} and ${DEMO_PAIR.userId} (first page; pass next_batch as from=...):
  curl -s -H 'Authorization: Bearer ${tokens.requester}' '${endpoint}'
`);
}

async function start(): Promise<number> {
  regenerateIfStale();
  // The demo runs on the embedded SQLite store only; `mutual-rooms serve` is the way to serve
  // from PostgreSQL and Redis.
  const { DATABASE_URL, REDIS_URL, ...env } = process.env;
  if (DATABASE_URL !== undefined || REDIS_URL !== undefined) {
    console.error(
      'start: ignoring DATABASE_URL and REDIS_URL; the demo uses SQLite. Use `mutual-rooms serve` for them.',
    );
  }
  let config: ServeConfig;
  try {
    config = loadServeConfig({}, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`start: ${error.message}`);
    return 2;
  }
  try {
    const tokens = await prepareDemo(config);
    await serveUntilSignal(config, pino({ level: config.logLevel }), (url) => printDemoCommands(url, tokens));
  } catch (error) {
    // A taken port or an unusable database file: one line naming the value and the fix.
    if (!(error instanceof CommandError)) throw error;
    console.error(`start: ${error.message}`);
    return error.exitCode;
  }
  return 0;
}

process.exitCode = await start();
