/**
 * Child-process entry of the benchmark: serves one variant over a SQLite database and reports to
 * the parent over IPC. Started by `bench/child.ts` with `--import tsx`.
 *
 * Environment: BENCH_VARIANT, BENCH_DB (SQLite file), BENCH_SECRET (hex, at least 32 bytes),
 * BENCH_PAGE_SIZE, BENCH_RSS_INTERVAL_MS (0 turns RSS samples off).
 */
import { SqliteStore } from '../src/store/sqlite.js';
import type { BenchServer } from './bare-server.js';
import { isVariant, startVariant, VARIANTS } from './variants.js';

/** Messages from the child to the parent. */
export type ChildMessage =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'rss'; readonly at: number; readonly rss: number; readonly heapUsed: number }
  | { readonly type: 'failed'; readonly message: string };

function send(message: ChildMessage): void {
  // A sample taken while the parent closes the channel has nowhere to go, and is dropped.
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const variant = requireEnv('BENCH_VARIANT');
  if (!isVariant(variant)) {
    throw new Error(`BENCH_VARIANT "${variant}" is not a server variant; use one of ${VARIANTS.join(', ')}`);
  }
  const store = SqliteStore.open(requireEnv('BENCH_DB'));
  const config = {
    secret: Buffer.from(requireEnv('BENCH_SECRET'), 'hex'),
    pageSize: Number(requireEnv('BENCH_PAGE_SIZE')),
    tokenTtlSeconds: 3600,
  };

  let server: BenchServer;
  try {
    server = await startVariant(variant, store, config);
  } catch (error) {
    await store.close();
    throw error;
  }

  const intervalMs = Number(process.env.BENCH_RSS_INTERVAL_MS ?? '0');
  const sampler =
    intervalMs > 0
      ? setInterval(() => {
          const usage = process.memoryUsage();
          send({ type: 'rss', at: Date.now(), rss: usage.rss, heapUsed: usage.heapUsed });
        }, intervalMs)
      : undefined;

  // The parent closes the IPC channel to stop the server, also when the parent dies.
  process.once('disconnect', () => {
    clearInterval(sampler);
    server
      .close()
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
  send({ type: 'listening', url: server.url });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
