/** Renders benchmark results as Markdown and rewrites the results section of the docs page. */
import { readFile, writeFile } from 'node:fs/promises';
import type { LoadResult } from './http-load.js';
import type { BenchResults, HttpEntry, ImportEntry, Mode, StoreQueryEntry } from './results.js';
import { isSkipped } from './results.js';
import type { LatencySummary } from './stats.js';
import { SCENARIO_LABELS } from './store-query.js';
import { VARIANT_LABELS } from './variants.js';

/** Returns the markers around the results section of `mode` in the Markdown file. */
export function resultsMarkers(mode: Mode): { readonly start: string; readonly end: string } {
  return { start: `<!-- results:${mode}:start -->`, end: `<!-- results:${mode}:end -->` };
}

const number = (value: number) => value.toLocaleString('en-US');
const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const latency = (summary: LatencySummary | undefined) =>
  summary === undefined ? '' : `${summary.p50Ms.toFixed(2)} / ${summary.p99Ms.toFixed(2)}`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function machineSection(results: BenchResults): string {
  const { machine, settings } = results;
  const busy = (machine.loadAverageAtStart[0] ?? 0) > machine.cores;
  return [
    ...(busy
      ? [
          '- **Busy machine:** the load average exceeded the core count when the run started, so other processes competed for the CPU. Absolute figures are low and noisy; compare the ratios.',
        ]
      : []),
    `- Run: ${results.startedAt} to ${results.finishedAt}, mode \`${results.mode}\`, command \`${results.command}\``,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`,
    `- Load average at start: ${machine.loadAverageAtStart.join(', ')} (1, 5, 15 min)`,
    `- HTTP: ${settings.connections} connections, page size ${settings.pageSize}, each server in a child process; per server and scenario ${settings.httpWarmupSeconds} s of warm-up, then ${settings.httpSeconds} s in ${settings.httpRounds} rounds taken in turns with the other servers`,
    `- Store query: ${settings.storeQuerySeconds} s per scenario, one call at a time`,
  ].join('\n');
}

function datasetSection(results: BenchResults): string {
  const rows = results.datasets.map((d) => {
    const typical = d.typicalPairs.map((p) => p.sharedRooms);
    const heavy = d.heavyPairs.map((p) => p.sharedRooms);
    return [
      d.size,
      String(d.seed),
      number(d.memberships),
      number(d.rooms),
      number(d.users),
      number(d.largestRoom),
      number(d.maxRoomsPerUser),
      `${typical.length} (${Math.min(...typical)}–${Math.max(...typical)} shared)`,
      `${heavy.length} (${Math.min(...heavy)}–${Math.max(...heavy)} shared, each user ≥ ${number(d.heavyThreshold)} rooms)`,
    ];
  });
  return table(
    [
      'size',
      'seed',
      'memberships',
      'rooms',
      'users',
      'largest room',
      'max rooms per user',
      'typical pairs',
      'heavy pairs',
    ],
    rows,
  );
}

function importSection(imports: readonly ImportEntry[]): string {
  const rows = imports.map((e) =>
    isSkipped(e)
      ? [e.dataset, e.target, e.method, `skipped: ${e.skipped}`, '', '', '']
      : [
          e.dataset,
          e.target,
          e.method,
          number(e.memberships),
          e.seconds.toFixed(3),
          number(e.membershipsPerSecond),
          runsText(e.runs),
        ],
  );
  return table(['dataset', 'database', 'method', 'memberships', 'seconds', 'memberships/s', 'runs'], rows);
}

/** Describes repeated runs: how many, the first one's rate and the range of the others. */
function runsText(runs: readonly number[] | undefined): string {
  if (runs === undefined || runs.length < 2) return '1';
  const [first = 0, ...rest] = runs;
  return `median of ${runs.length}; first ${number(first)}/s, others ${number(Math.min(...rest))}–${number(Math.max(...rest))}/s`;
}

function storeQuerySection(entries: readonly StoreQueryEntry[]): string {
  const rows = entries.map((e) =>
    isSkipped(e)
      ? [e.dataset, e.store, SCENARIO_LABELS[e.scenario], `skipped: ${e.skipped}`, '', '']
      : [
          e.dataset,
          e.store,
          SCENARIO_LABELS[e.scenario],
          number(e.operationsPerSecond),
          latency(e.latency),
          e.walkLatency === undefined ? '' : `${latency(e.walkLatency)} ms`,
        ],
  );
  return table(['dataset', 'store', 'scenario', 'pages/s', 'p50 / p99 ms', 'walk p50 / p99'], rows);
}

function httpSection(entries: readonly HttpEntry[]): string {
  const rows = entries.map((e) => {
    if (isSkipped(e))
      return [
        e.dataset,
        VARIANT_LABELS[e.variant],
        SCENARIO_LABELS[e.scenario],
        `skipped: ${e.skipped}`,
        '',
        '',
        '',
      ];
    const load = e as HttpEntry & LoadResult;
    const failures = load.non2xx + load.errors + load.timeouts;
    return [
      e.dataset,
      VARIANT_LABELS[e.variant],
      SCENARIO_LABELS[e.scenario],
      number(load.requestsPerSecond),
      latency(load.latency),
      load.walkLatency === undefined ? '' : `${load.walksPerSecond} walks/s, ${latency(load.walkLatency)} ms`,
      String(failures),
    ];
  });
  return table(['dataset', 'server', 'scenario', 'requests/s', 'p50 / p99 ms', 'full walks', 'failed'], rows);
}

function ratioSection(results: BenchResults): string {
  const format = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(2));
  const rows = results.ratios.map((r) => [
    r.dataset,
    SCENARIO_LABELS[r.scenario],
    format(r.validatedOverUnvalidated),
    format(r.validatedOverBare),
    format(r.validatedOverFastify),
  ]);
  return table(['dataset', 'scenario', '(a)/(b)', '(a)/(c)', '(a)/(d)'], rows);
}

function memorySection(results: BenchResults): string {
  const { memory } = results;
  if (isSkipped(memory)) return `Skipped: ${memory.skipped}`;
  return [
    `${VARIANT_LABELS[memory.variant]}, ${memory.dataset} dataset, ${memory.seconds} s of load after ${memory.warmupSeconds} s of warm-up,`,
    `typical and heavy pairs mixed, full walks; ${memory.samples} RSS samples taken by the server process itself.`,
    '',
    table(
      [
        'requests',
        'p50 / p99 ms',
        'RSS after warm-up',
        'RSS at end',
        'peak RSS',
        'growth',
        'heap used start → end',
      ],
      [
        [
          number(memory.requests),
          latency(memory.latency),
          mebibytes(memory.baselineRss),
          mebibytes(memory.finalRss),
          mebibytes(memory.peakRss),
          `${memory.growthPercent}%`,
          `${mebibytes(memory.heapUsedStart)} → ${mebibytes(memory.heapUsedEnd)}`,
        ],
      ],
    ),
  ].join('\n');
}

/** Returns the Markdown of the results section, without the markers. */
export function renderResults(results: BenchResults): string {
  const parts = [
    `## Latest results: ${results.mode} mode`,
    machineSection(results),
    '### Dataset',
    datasetSection(results),
    '### Import throughput',
    importSection(results.imports),
    '### Store query alone (in-process)',
    storeQuerySection(results.storeQueries),
    '### HTTP, SQLite store',
    httpSection(results.http),
    "### Throughput ratios (median over the rounds of (a)'s requests/s divided by the other server's)",
    ratioSection(results),
    '### Memory',
    memorySection(results),
    '### Targets',
    results.targets.map((t) => `- **${t.status}** ${t.description}: ${t.detail}`).join('\n'),
  ];
  const checks = results.checks.filter((c) => c.outcome !== 'ok');
  if (checks.length > 0) {
    parts.push(
      '### Answer checks that failed',
      checks.map((c) => `- ${c.dataset} ${c.variant}: ${c.outcome}`).join('\n'),
    );
  }
  if (results.errors.length > 0) {
    parts.push('### Measurements that failed', results.errors.map((error) => `- ${error}`).join('\n'));
  }
  return parts.join('\n\n');
}

/**
 * Replaces the text between the results markers of `mode` in the Markdown file at `path`, or
 * appends a marked section when the file has none. The other mode's section stays as it is.
 */
export async function rewriteResultsSection(path: string, section: string, mode: Mode): Promise<void> {
  const text = await readFile(path, 'utf8');
  const markers = resultsMarkers(mode);
  const start = text.indexOf(markers.start);
  const end = text.indexOf(markers.end);
  const block = `${markers.start}\n${section}\n${markers.end}`;
  const updated =
    start !== -1 && end > start
      ? `${text.slice(0, start)}${block}${text.slice(end + markers.end.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(path, updated);
}
