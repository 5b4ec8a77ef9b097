/** The machine-readable benchmark results written to `bench/results/latest.json`. */
import type { DatasetPair, DatasetSize } from './dataset.js';
import type { LoadResult } from './http-load.js';
import type { ImportResult } from './import.js';
import type { MachineInfo } from './machine.js';
import type { LatencySummary } from './stats.js';
import type { Scenario, StoreQueryResult } from './store-query.js';
import type { Variant } from './variants.js';

export type Mode = 'quick' | 'full';

export interface RunSettings {
  readonly connections: number;
  readonly pageSize: number;
  /** Measured seconds per server and scenario, split into `httpRounds` interleaved runs. */
  readonly httpSeconds: number;
  readonly httpRounds: number;
  readonly httpWarmupSeconds: number;
  readonly storeQuerySeconds: number;
  readonly memorySeconds: number;
  readonly memoryWarmupSeconds: number;
  readonly rssIntervalMs: number;
}

export interface DatasetSummary {
  readonly size: DatasetSize;
  readonly seed: number;
  readonly memberships: number;
  readonly rooms: number;
  readonly users: number;
  readonly largestRoom: number;
  readonly maxRoomsPerUser: number;
  readonly heavyThreshold: number;
  readonly typicalPairs: readonly DatasetPair[];
  readonly heavyPairs: readonly DatasetPair[];
  /** Seconds to generate and write the NDJSON file. */
  readonly generationSeconds: number;
}

/** A measurement that did not run, with the reason. */
export interface Skipped {
  readonly skipped: string;
}

export type ImportEntry = { readonly dataset: DatasetSize } & (
  | ImportResult
  | (Skipped & { target: string; method: string })
);

export type StoreQueryEntry = { readonly dataset: DatasetSize } & (
  | StoreQueryResult
  | (Skipped & { store: string; scenario: Scenario })
);

export type HttpEntry = {
  readonly dataset: DatasetSize;
  readonly variant: Variant;
  readonly store: 'SQLite';
} & (LoadResult | (Skipped & { scenario: Scenario }));

/** The check of one server variant's responses against the dataset manifest, made before loading it. */
export interface VariantCheck {
  readonly dataset: DatasetSize;
  readonly variant: Variant;
  /** "ok", or what differed from the dataset manifest. */
  readonly outcome: string;
}

export interface MemoryResult {
  readonly dataset: DatasetSize;
  readonly variant: Variant;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly requests: number;
  readonly latency: LatencySummary;
  readonly samples: number;
  /** Median RSS of the first samples after the warm-up, in bytes. */
  readonly baselineRss: number;
  /** Median RSS of the last samples of the run, in bytes. */
  readonly finalRss: number;
  /** The highest RSS sampled, warm-up included, in bytes. */
  readonly peakRss: number;
  readonly growthPercent: number;
  readonly heapUsedStart: number;
  readonly heapUsedEnd: number;
}

/** Throughput ratios of the validated Express server to the other variants, per scenario. */
export interface RatioEntry {
  readonly dataset: DatasetSize;
  readonly scenario: Scenario;
  /** (a)/(b): below 1 means validation costs throughput. */
  readonly validatedOverUnvalidated?: number;
  /** (a)/(c): the share of the bare node:http floor that the full server reaches. */
  readonly validatedOverBare?: number;
  /** (a)/(d) */
  readonly validatedOverFastify?: number;
}

export type TargetStatus = 'PASS' | 'MISS' | 'SKIP';

export interface TargetCheck {
  readonly id: string;
  readonly description: string;
  readonly status: TargetStatus;
  /** The measured value and the limit, or why it was not measured. */
  readonly detail: string;
}

export interface BenchResults {
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: Mode;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly settings: RunSettings;
  readonly datasets: readonly DatasetSummary[];
  readonly imports: readonly ImportEntry[];
  readonly storeQueries: readonly StoreQueryEntry[];
  readonly checks: readonly VariantCheck[];
  readonly http: readonly HttpEntry[];
  readonly ratios: readonly RatioEntry[];
  readonly memory: MemoryResult | Skipped;
  readonly targets: readonly TargetCheck[];
  /** Failures of single measurements; the run continues past them. */
  readonly errors: readonly string[];
}

export function isSkipped(value: object): value is Skipped {
  return 'skipped' in value;
}
