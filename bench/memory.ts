/**
 * Peak RSS and RSS growth of the validated Express server under a long load. The server runs in
 * a child process and samples its own `process.memoryUsage()`. Growth compares the median RSS of
 * the first quarter of the run after the warm-up with the median of the last quarter.
 */

import { ChildServer, type RssSample } from './child.js';
import type { DatasetSize } from './dataset.js';
import { type LoadPair, runLoad } from './http-load.js';
import type { MemoryResult } from './results.js';
import { median, round } from './stats.js';

/**
 * Share of the samples at each end of the run whose median represents that end. Under load the
 * heap grows and shrinks with each garbage collection: in a 150-second run of the small dataset,
 * RSS moved between 164 and 185 MiB from one 15-second mark to the next without growing. A
 * quarter of the run spans several such cycles, where five samples at one end may catch one peak.
 */
const EDGE_SHARE = 0.25;
/** Minimum number of samples at each end. */
const MIN_EDGE_SAMPLES = 5;

export interface MemoryRunOptions {
  readonly dataset: DatasetSize;
  readonly dbPath: string;
  readonly secret: Buffer;
  readonly pageSize: number;
  readonly pairs: readonly LoadPair[];
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly rssIntervalMs: number;
  readonly cpuProfileDir?: string;
}

/** Returns the median RSS of the first or the last quarter of `samples`, at least 5 of them. */
export function edgeMedian(samples: readonly RssSample[], end: 'first' | 'last'): number {
  const count = Math.max(MIN_EDGE_SAMPLES, Math.floor(samples.length * EDGE_SHARE));
  const edge = end === 'first' ? samples.slice(0, count) : samples.slice(-count);
  return median(edge.map((sample) => sample.rss));
}

/** Loads the server for the warm-up, then for the measured run, and summarises its RSS. */
export async function runMemory(options: MemoryRunOptions): Promise<MemoryResult> {
  const variant = 'express-validated';
  const server = await ChildServer.start({
    variant,
    dbPath: options.dbPath,
    secret: options.secret,
    pageSize: options.pageSize,
    rssIntervalMs: options.rssIntervalMs,
    cpuProfileDir: options.cpuProfileDir,
  });

  try {
    const load = {
      url: server.url,
      scenario: 'heavy-walk',
      pairs: options.pairs,
      connections: options.connections,
    } as const;
    await runLoad({ ...load, durationSeconds: options.warmupSeconds });
    const warmupPeak = Math.max(0, ...server.samples.map((sample) => sample.rss));
    server.clearSamples();
    const result = await runLoad({ ...load, durationSeconds: options.seconds });
    const samples = [...server.samples];
    if (samples.length < 2 * MIN_EDGE_SAMPLES) {
      throw new Error(
        `only ${samples.length} RSS samples in ${options.seconds} s; lower the sample interval`,
      );
    }

    const baselineRss = edgeMedian(samples, 'first');
    const finalRss = edgeMedian(samples, 'last');
    return {
      dataset: options.dataset,
      variant,
      warmupSeconds: options.warmupSeconds,
      seconds: result.seconds,
      requests: result.responses,
      latency: result.latency,
      samples: samples.length,
      baselineRss,
      finalRss,
      peakRss: Math.max(warmupPeak, ...samples.map((sample) => sample.rss)),
      growthPercent: round(((finalRss - baselineRss) / baselineRss) * 100, 2),
      heapUsedStart: samples[0]?.heapUsed ?? 0,
      heapUsedEnd: samples.at(-1)?.heapUsed ?? 0,
    };
  } finally {
    await server.stop();
  }
}
