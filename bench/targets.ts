/** Throughput ratios between the server variants and the checks of the performance targets. */
import type { DatasetSize } from './dataset.js';
import type { LoadResult } from './http-load.js';
import type {
  DatasetSummary,
  HttpEntry,
  ImportEntry,
  MemoryResult,
  RatioEntry,
  Skipped,
  TargetCheck,
} from './results.js';
import { isSkipped } from './results.js';
import { median, round } from './stats.js';
import { SCENARIOS, type Scenario } from './store-query.js';
import type { Variant } from './variants.js';

/** Validation may cost at most this share of the throughput without it, on typical pairs. */
export const MAX_VALIDATION_COST = 0.15;
/** p99 of the heavy pair's first page on the validated server over SQLite, at 16 connections. */
export const MAX_HEAVY_FIRST_PAGE_P99_MS = 20;
export const MIN_SQLITE_IMPORT_PER_SECOND = 300_000;
export const MAX_RSS_GROWTH_PERCENT = 10;

function loadOf(http: readonly HttpEntry[], dataset: DatasetSize, variant: Variant, scenario: Scenario) {
  const entry = http.find((e) => e.dataset === dataset && e.variant === variant && e.scenario === scenario);
  return entry === undefined || isSkipped(entry) ? undefined : (entry as HttpEntry & LoadResult);
}

/**
 * Returns the throughput ratio of two servers loaded in the same rounds: the median of the
 * round-by-round ratios. Both servers of a round ran within seconds of each other, so a slow spell
 * of the shared machine moves both, and a round with one such spell cannot move the median far.
 * Results without matching rounds fall back to the ratio of the totals.
 */
export function ratio(
  numerator: LoadResult | undefined,
  denominator: LoadResult | undefined,
): number | undefined {
  if (numerator === undefined || denominator === undefined || denominator.requestsPerSecond === 0)
    return undefined;
  const a = numerator.rounds;
  const b = denominator.rounds;
  if (a.length > 0 && a.length === b.length && b.every((value) => value > 0)) {
    return round(median(a.map((value, index) => value / (b[index] as number))), 3);
  }
  return round(numerator.requestsPerSecond / denominator.requestsPerSecond, 3);
}

/** Returns (a)/(b), (a)/(c) and (a)/(d) in requests per second, per dataset and scenario. */
export function computeRatios(http: readonly HttpEntry[], datasets: readonly DatasetSize[]): RatioEntry[] {
  const ratios: RatioEntry[] = [];
  for (const dataset of datasets) {
    for (const scenario of SCENARIOS) {
      const validated = loadOf(http, dataset, 'express-validated', scenario);
      ratios.push({
        dataset,
        scenario,
        validatedOverUnvalidated: ratio(validated, loadOf(http, dataset, 'express-unvalidated', scenario)),
        validatedOverBare: ratio(validated, loadOf(http, dataset, 'node-http', scenario)),
        validatedOverFastify: ratio(validated, loadOf(http, dataset, 'fastify', scenario)),
      });
    }
  }
  return ratios;
}

export interface TargetInputs {
  readonly datasets: readonly DatasetSummary[];
  readonly imports: readonly ImportEntry[];
  readonly http: readonly HttpEntry[];
  readonly ratios: readonly RatioEntry[];
  readonly memory: MemoryResult | Skipped;
}

function skippedReason(
  http: readonly HttpEntry[],
  dataset: DatasetSize,
  variant: Variant,
  scenario: Scenario,
): string {
  const entry = http.find((e) => e.dataset === dataset && e.variant === variant && e.scenario === scenario);
  return entry !== undefined && isSkipped(entry) ? entry.skipped : 'not measured';
}

function validationCostCheck(inputs: TargetInputs, dataset: DatasetSize): TargetCheck {
  const id = `validation-cost-${dataset}`;
  const description = `validation costs at most ${MAX_VALIDATION_COST * 100}% of throughput on typical pairs (${dataset})`;
  const entry = inputs.ratios.find((r) => r.dataset === dataset && r.scenario === 'typical');
  const value = entry?.validatedOverUnvalidated;
  if (value === undefined) {
    const reason = skippedReason(inputs.http, dataset, 'express-unvalidated', 'typical');
    return { id, description, status: 'SKIP', detail: `(b) not measured: ${reason}` };
  }
  const cost = 1 - value;
  return {
    id,
    description,
    status: cost <= MAX_VALIDATION_COST ? 'PASS' : 'MISS',
    detail: `cost ${(cost * 100).toFixed(1)}% ((a)/(b) = ${value}), limit ${MAX_VALIDATION_COST * 100}%`,
  };
}

function heavyFirstPageCheck(inputs: TargetInputs, summary: DatasetSummary): TargetCheck {
  const { size } = summary;
  const id = `heavy-first-page-p99-${size}`;
  const description = `heavy pair first page p99 at most ${MAX_HEAVY_FIRST_PAGE_P99_MS} ms on (a) over SQLite (${size})`;
  const load = loadOf(inputs.http, size, 'express-validated', 'heavy-first-page');
  if (load === undefined) {
    return {
      id,
      description,
      status: 'SKIP',
      detail: skippedReason(inputs.http, size, 'express-validated', 'heavy-first-page'),
    };
  }
  const heaviest = Math.max(0, ...summary.heavyPairs.map((pair) => pair.sharedRooms));
  return {
    id,
    description,
    status: load.latency.p99Ms <= MAX_HEAVY_FIRST_PAGE_P99_MS ? 'PASS' : 'MISS',
    detail: `p99 ${load.latency.p99Ms} ms at ${load.connections} connections, limit ${MAX_HEAVY_FIRST_PAGE_P99_MS} ms; heavy pairs share up to ${heaviest} rooms`,
  };
}

function importCheck(inputs: TargetInputs, dataset: DatasetSize): TargetCheck {
  const id = `sqlite-import-${dataset}`;
  const description = `SQLite import at least ${MIN_SQLITE_IMPORT_PER_SECOND.toLocaleString('en-US')} memberships/s (${dataset})`;
  const entry = inputs.imports.find(
    (e) => e.dataset === dataset && e.target === 'SQLite' && e.method === 'store.importMemberships',
  );
  if (entry === undefined || isSkipped(entry)) {
    return { id, description, status: 'SKIP', detail: entry === undefined ? 'not measured' : entry.skipped };
  }
  return {
    id,
    description,
    status: entry.membershipsPerSecond >= MIN_SQLITE_IMPORT_PER_SECOND ? 'PASS' : 'MISS',
    detail: `${entry.membershipsPerSecond.toLocaleString('en-US')} memberships/s through ${entry.method}`,
  };
}

function memoryCheck(memory: MemoryResult | Skipped): TargetCheck {
  const id = 'rss-growth';
  const description = `RSS grows at most ${MAX_RSS_GROWTH_PERCENT}% over the load run of (a)`;
  if (isSkipped(memory)) return { id, description, status: 'SKIP', detail: memory.skipped };
  return {
    id,
    description,
    status: memory.growthPercent <= MAX_RSS_GROWTH_PERCENT ? 'PASS' : 'MISS',
    detail: `${memory.growthPercent}% over ${memory.seconds} s (${memory.dataset}), limit ${MAX_RSS_GROWTH_PERCENT}%`,
  };
}

/** Checks every target on every dataset that was measured. */
export function checkTargets(inputs: TargetInputs): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const summary of inputs.datasets) {
    checks.push(validationCostCheck(inputs, summary.size));
    checks.push(heavyFirstPageCheck(inputs, summary));
    checks.push(importCheck(inputs, summary.size));
  }
  checks.push(memoryCheck(inputs.memory));
  return checks;
}
