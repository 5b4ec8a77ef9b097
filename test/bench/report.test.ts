import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadAccumulator, type LoadResult } from '../../bench/http-load.js';
import { renderResults, resultsMarkers, rewriteResultsSection } from '../../bench/report.js';
import type {
  BenchResults,
  DatasetSummary,
  HttpEntry,
  ImportEntry,
  MemoryResult,
  Skipped,
} from '../../bench/results.js';
import { LatencyRecorder, median, percentile } from '../../bench/stats.js';
import type { Scenario } from '../../bench/store-query.js';
import { checkTargets, computeRatios, ratio } from '../../bench/targets.js';
import type { Variant } from '../../bench/variants.js';

function load(
  variant: Variant,
  scenario: Scenario,
  requestsPerSecond: number,
  p99Ms = 5,
  rounds: readonly number[] = [],
): HttpEntry {
  const latency = { samples: 100, p50Ms: 1, p99Ms, maxMs: p99Ms };
  const result: LoadResult = {
    scenario,
    connections: 16,
    seconds: 10,
    responses: requestsPerSecond * 10,
    requestsPerSecond,
    rounds,
    latency,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
  };
  return { dataset: 'small', variant, store: 'SQLite', ...result };
}

const dataset: DatasetSummary = {
  size: 'small',
  seed: 1,
  memberships: 10_000,
  rooms: 1000,
  users: 1000,
  largestRoom: 300,
  maxRoomsPerUser: 400,
  heavyThreshold: 200,
  typicalPairs: [],
  heavyPairs: [{ userA: '@a:x.org', userB: '@b:x.org', sharedRooms: 280, roomsA: 300, roomsB: 300 }],
  generationSeconds: 0.2,
};

function sqliteImport(membershipsPerSecond: number): ImportEntry {
  return {
    dataset: 'small',
    target: 'SQLite',
    method: 'store.importMemberships',
    memberships: 10_000,
    seconds: 10_000 / membershipsPerSecond,
    membershipsPerSecond,
  };
}

function memory(growthPercent: number): MemoryResult {
  const latency = { samples: 10, p50Ms: 1, p99Ms: 2, maxMs: 3 };
  return {
    dataset: 'small',
    variant: 'express-validated',
    warmupSeconds: 5,
    seconds: 20,
    requests: 1000,
    latency,
    samples: 80,
    baselineRss: 100,
    finalRss: 100 + growthPercent,
    peakRss: 120,
    growthPercent,
    heapUsedStart: 10,
    heapUsedEnd: 11,
  };
}

function loadResult(entry: HttpEntry): LoadResult {
  if ('skipped' in entry) throw new Error('a skipped entry has no load result');
  return entry;
}

describe('computeRatios', () => {
  it('divides (a) by each other variant', () => {
    const http = [
      load('express-validated', 'typical', 800),
      load('express-unvalidated', 'typical', 1000),
      load('node-http', 'typical', 2000),
      load('fastify', 'typical', 1600),
    ];
    const [typical] = computeRatios(http, ['small']);
    expect(typical).toEqual({
      dataset: 'small',
      scenario: 'typical',
      validatedOverUnvalidated: 0.8,
      validatedOverBare: 0.4,
      validatedOverFastify: 0.5,
    });
  });

  it('takes the median of the round-by-round ratios', () => {
    // Round 2 caught (a) in a slow spell of the machine. The totals would give 0.767.
    const validated = load('express-validated', 'typical', 767, 5, [900, 500, 900]);
    const unvalidated = load('express-unvalidated', 'typical', 1000, 5, [1000, 1000, 1000]);
    expect(ratio(loadResult(validated), loadResult(unvalidated))).toBe(0.9);
  });

  it('averages the two middle round ratios of an even count', () => {
    const validated = load('express-validated', 'typical', 850, 5, [800, 900, 700, 1000]);
    const unvalidated = load('express-unvalidated', 'typical', 1000, 5, [1000, 1000, 1000, 1000]);
    expect(ratio(loadResult(validated), loadResult(unvalidated))).toBe(0.85);
  });

  it('divides the totals when the rounds do not pair up', () => {
    const validated = load('express-validated', 'typical', 800, 5, [900, 700]);
    const unvalidated = load('express-unvalidated', 'typical', 1000, 5, [1000, 1000, 1000]);
    expect(ratio(loadResult(validated), loadResult(unvalidated))).toBe(0.8);
  });

  it('leaves a ratio out when a variant was skipped', () => {
    const skipped: HttpEntry = {
      dataset: 'small',
      variant: 'express-unvalidated',
      store: 'SQLite',
      scenario: 'typical',
      skipped: 'no option',
    };
    const [typical] = computeRatios([load('express-validated', 'typical', 800), skipped], ['small']);
    expect(typical?.validatedOverUnvalidated).toBeUndefined();
  });
});

describe('checkTargets', () => {
  const cases: {
    name: string;
    http: HttpEntry[];
    importRate: number;
    memory: MemoryResult | Skipped;
    want: Record<string, string>;
  }[] = [
    {
      name: 'all within limits',
      http: [
        load('express-validated', 'typical', 900),
        load('express-unvalidated', 'typical', 1000),
        load('express-validated', 'heavy-first-page', 500, 20),
      ],
      importRate: 300_000,
      memory: memory(10),
      want: {
        'validation-cost-small': 'PASS',
        'heavy-first-page-p99-small': 'PASS',
        'sqlite-import-small': 'PASS',
        'rss-growth': 'PASS',
      },
    },
    {
      name: 'all beyond limits',
      http: [
        load('express-validated', 'typical', 840),
        load('express-unvalidated', 'typical', 1000),
        load('express-validated', 'heavy-first-page', 500, 20.5),
      ],
      importRate: 299_999,
      memory: memory(10.5),
      want: {
        'validation-cost-small': 'MISS',
        'heavy-first-page-p99-small': 'MISS',
        'sqlite-import-small': 'MISS',
        'rss-growth': 'MISS',
      },
    },
    {
      name: 'nothing measured',
      http: [],
      importRate: 0,
      memory: { skipped: 'not run' },
      want: {
        'validation-cost-small': 'SKIP',
        'heavy-first-page-p99-small': 'SKIP',
        'sqlite-import-small': 'SKIP',
        'rss-growth': 'SKIP',
      },
    },
  ];

  it.each(cases)('$name', ({ http, importRate, memory: memoryResult, want }) => {
    const imports = importRate > 0 ? [sqliteImport(importRate)] : [];
    const ratios = computeRatios(http, ['small']);
    const checks = checkTargets({ datasets: [dataset], imports, http, ratios, memory: memoryResult });
    expect(Object.fromEntries(checks.map((check) => [check.id, check.status]))).toEqual(want);
  });
});

function benchResults(loadAverage: number): BenchResults {
  const http = [load('express-validated', 'typical', 900), load('express-unvalidated', 'typical', 1000)];
  const ratios = computeRatios(http, ['small']);
  const imports = [sqliteImport(50_000)];
  return {
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:02:00.000Z',
    mode: 'quick',
    command: 'npm run bench -- --quick',
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryGiB: 8,
      node: 'v20.20.0',
      platform: 'Linux',
      loadAverageAtStart: [loadAverage, 1, 1],
    },
    settings: {
      connections: 16,
      pageSize: 100,
      httpSeconds: 6,
      httpRounds: 3,
      httpWarmupSeconds: 1,
      storeQuerySeconds: 2,
      memorySeconds: 20,
      memoryWarmupSeconds: 5,
      rssIntervalMs: 250,
    },
    datasets: [dataset],
    imports,
    storeQueries: [],
    checks: [{ dataset: 'small', variant: 'fastify', outcome: 'count 3, expected 4' }],
    http,
    ratios,
    memory: memory(2),
    targets: checkTargets({ datasets: [dataset], imports, http, ratios, memory: memory(2) }),
    errors: ['memory run: timed out'],
  };
}

describe('renderResults', () => {
  it('shows machine, ratios and targets', () => {
    const markdown = renderResults(benchResults(0.5));
    expect(markdown).toContain('Test CPU, 2 cores, 8 GiB, Node v20.20.0');
    expect(markdown).toContain('| small | typical pairs, first page | 0.90 | n/a | n/a |');
    expect(markdown).toContain('- **PASS** validation costs at most 15%');
    expect(markdown).toContain('- **MISS** SQLite import at least 300,000 memberships/s');
  });

  it('describes repeated import runs', () => {
    const results = benchResults(0.5);
    const repeated = { ...sqliteImport(50_000), runs: [20_000, 52_000, 50_000, 48_000] };
    const markdown = renderResults({ ...results, imports: [repeated] });
    expect(markdown).toContain('| 50,000 | median of 4; first 20,000/s, others 48,000–52,000/s |');
    expect(renderResults(results)).toMatch(/\| 50,000 \| 1 \|/);
  });

  it('lists failed checks and measurements', () => {
    const markdown = renderResults(benchResults(0.5));
    expect(markdown).toContain('- small fastify: count 3, expected 4');
    expect(markdown).toContain('- memory run: timed out');
  });

  it('warns when the machine was busy', () => {
    expect(renderResults(benchResults(3.5))).toContain('**Busy machine:**');
    expect(renderResults(benchResults(0.5))).not.toContain('**Busy machine:**');
  });
});

describe('rewriteResultsSection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mutual-rooms-bench-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const quick = resultsMarkers('quick');
  const full = resultsMarkers('full');

  it("replaces only its mode's section", async () => {
    const file = join(dir, 'marked.md');
    const fullBlock = `${full.start}\nfull figures\n${full.end}`;
    writeFileSync(file, `# Title\n\nbefore\n\n${quick.start}\nold\n${quick.end}\n\n${fullBlock}\n\nafter\n`);
    await rewriteResultsSection(file, 'new', 'quick');
    expect(readFileSync(file, 'utf8')).toBe(
      `# Title\n\nbefore\n\n${quick.start}\nnew\n${quick.end}\n\n${fullBlock}\n\nafter\n`,
    );
  });

  it('appends a marked section when its mode has none', async () => {
    const file = join(dir, 'plain.md');
    writeFileSync(file, `# Title\n\n${quick.start}\nquick figures\n${quick.end}\n`);
    await rewriteResultsSection(file, 'new', 'full');
    expect(readFileSync(file, 'utf8')).toBe(
      `# Title\n\n${quick.start}\nquick figures\n${quick.end}\n\n${full.start}\nnew\n${full.end}\n`,
    );
  });
});

describe('LoadAccumulator', () => {
  it("records each run's requests per second", () => {
    const accumulator = new LoadAccumulator();
    const run = (responses: number, duration: number) => {
      for (let index = 0; index < responses; index += 1) accumulator.latencies.record(1);
      accumulator.add({ duration, non2xx: 0, errors: 0, timeouts: 0 } as Parameters<
        LoadAccumulator['add']
      >[0]);
    };
    run(300, 1);
    run(100, 0.5);
    const result = accumulator.result('typical', 16);
    expect(result.rounds).toEqual([300, 200]);
    expect(result.requestsPerSecond).toBe(267);
  });
});

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('of %j is %d', (values, want) => {
    expect(median(values)).toBe(want);
  });

  it('of nothing is NaN', () => {
    expect(median([])).toBeNaN();
  });
});

describe('latency statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('sorts recorded latencies numerically', () => {
    const recorder = new LatencyRecorder();
    for (const value of [10, 9, 100, 2, 1]) recorder.record(value);
    expect(recorder.summary()).toEqual({ samples: 5, p50Ms: 9, p99Ms: 100, maxMs: 100 });
  });

  it('keeps samples beyond its first buffer', () => {
    const recorder = new LatencyRecorder();
    for (let i = 1; i <= 10_000; i += 1) recorder.record(i);
    expect(recorder.summary()).toEqual({ samples: 10_000, p50Ms: 5000, p99Ms: 9900, maxMs: 10_000 });
  });
});
