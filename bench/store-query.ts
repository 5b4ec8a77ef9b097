/**
 * The store query alone: `MembershipStore.mutualRooms` called in-process, one call at a time, with
 * the page size the server requests, in the same scenarios as the HTTP runs.
 */
import type { MembershipStore } from '../src/store/types.js';
import type { DatasetPair } from './dataset.js';
import { LatencyRecorder, type LatencySummary, round } from './stats.js';

/** The request patterns measured over HTTP and in-process. */
export type Scenario = 'typical' | 'heavy-first-page' | 'heavy-walk';

export const SCENARIOS: readonly Scenario[] = ['typical', 'heavy-first-page', 'heavy-walk'];

export const SCENARIO_LABELS: Readonly<Record<Scenario, string>> = {
  typical: 'typical pairs, first page',
  'heavy-first-page': 'heavy pairs, first page',
  'heavy-walk': 'heavy pairs, full walk',
};

export interface StoreQueryResult {
  readonly store: string;
  readonly scenario: Scenario;
  readonly seconds: number;
  /** Store calls, one per page. */
  readonly operations: number;
  readonly operationsPerSecond: number;
  readonly latency: LatencySummary;
  /** Completed walks over all pages, for `heavy-walk`. */
  readonly walks?: number;
  readonly walkLatency?: LatencySummary;
}

export interface StoreQueryOptions {
  readonly store: MembershipStore;
  readonly storeName: string;
  readonly scenario: Scenario;
  readonly pairs: readonly DatasetPair[];
  readonly pageSize: number;
  readonly durationSeconds: number;
  /** Upper bound on store calls, so a very fast store still stops. */
  readonly maxOperations?: number;
}

/** Calls the store for `durationSeconds`, rotating through the pairs, and summarises the latencies. */
export async function benchStoreQuery(options: StoreQueryOptions): Promise<StoreQueryResult> {
  const { store, scenario, pairs, pageSize } = options;
  if (pairs.length === 0) throw new Error(`no pairs for scenario ${scenario}`);
  const maxOperations = options.maxOperations ?? 5_000_000;
  const latencies = new LatencyRecorder();
  const walkLatencies = new LatencyRecorder();
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  let operations = 0;
  let walks = 0;

  for (let pairIndex = 0; performance.now() < deadline && operations < maxOperations; pairIndex += 1) {
    const pair = pairs[pairIndex % pairs.length] as DatasetPair;
    const walkStarted = performance.now();
    let after: string | undefined;
    do {
      const callStarted = performance.now();
      // The server requests one room more than a page, to place the next_batch cursor.
      const page = await store.mutualRooms(pair.userA, pair.userB, { after, limit: pageSize + 1 });
      latencies.record(performance.now() - callStarted);
      operations += 1;
      after =
        scenario === 'heavy-walk' && page.roomIds.length > pageSize ? page.roomIds[pageSize - 1] : undefined;
    } while (after !== undefined && operations < maxOperations);

    if (scenario === 'heavy-walk' && after === undefined) {
      walks += 1;
      walkLatencies.record(performance.now() - walkStarted);
    }
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    store: options.storeName,
    scenario,
    seconds: round(seconds, 2),
    operations,
    operationsPerSecond: Math.round(operations / seconds),
    latency: latencies.summary(),
    ...(scenario === 'heavy-walk' ? { walks, walkLatency: walkLatencies.summary() } : {}),
  };
}
