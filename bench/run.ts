/**
 * The benchmark runner, `npm run bench [-- --quick|--full]`: generates the datasets, then measures
 * import throughput, the store query alone, HTTP throughput and latency of four server variants
 * and the server's memory, all in one run on one machine. Writes `bench/results/latest.json` and
 * the results section of `docs/BENCHMARKS.md`, and prints PASS, MISS or SKIP for each target. It
 * exits 0 whether targets pass or not; a failed measurement is recorded and the run goes on.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createAccessToken } from '../src/server/access-tokens.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { MembershipStore } from '../src/store/types.js';
import { checkAnswers, type TokenPair } from './answers.js';
import { ChildServer } from './child.js';
import {
  DatasetGenerator,
  type DatasetManifest,
  type DatasetPair,
  type DatasetSize,
  isDatasetSize,
  writeDataset,
} from './dataset.js';
import { LoadAccumulator, runLoad } from './http-load.js';
import {
  createScratchDatabase,
  hasImportCli,
  type ImportResult,
  importIntoPostgres,
  importIntoSqliteRepeatedly,
  importWithCli,
  readImportFile,
  removeSqliteDatabase,
} from './import.js';
import { describeMachine } from './machine.js';
import { runMemory } from './memory.js';
import { renderResults, rewriteResultsSection } from './report.js';
import type {
  BenchResults,
  DatasetSummary,
  HttpEntry,
  ImportEntry,
  MemoryResult,
  Mode,
  RunSettings,
  Skipped,
  StoreQueryEntry,
  VariantCheck,
} from './results.js';
import { round } from './stats.js';
import { benchStoreQuery, SCENARIOS, type Scenario } from './store-query.js';
import { checkTargets, computeRatios } from './targets.js';
import { VARIANTS, type Variant } from './variants.js';

/** Results JSON of each mode, so a quick run never replaces the figures of a full one. */
const RESULTS_FILES: Readonly<Record<Mode, string>> = {
  quick: 'bench/results/latest.json',
  full: 'bench/results/full.json',
};
const DOCS_FILE = 'docs/BENCHMARKS.md';
const PAGE_SIZE = 100;
/**
 * SQLite imports per dataset, each into a new database; the table shows the median run. At the
 * small size one import takes about 50 ms, of which the first run in the process spends several
 * on loading the native addon and running code the JIT compiler has not optimised yet.
 */
const SQLITE_IMPORT_RUNS: Readonly<Record<DatasetSize, number>> = { small: 7, medium: 3, large: 1 };

interface ModePlan extends Omit<RunSettings, 'connections' | 'pageSize'> {
  readonly datasets: readonly DatasetSize[];
}

const MODE_PLANS: Readonly<Record<Mode, ModePlan>> = {
  quick: {
    datasets: ['small'],
    httpSeconds: 8,
    httpRounds: 8,
    httpWarmupSeconds: 1,
    storeQuerySeconds: 2,
    memorySeconds: 20,
    memoryWarmupSeconds: 5,
    rssIntervalMs: 250,
  },
  full: {
    datasets: ['medium', 'large'],
    httpSeconds: 24,
    httpRounds: 12,
    httpWarmupSeconds: 5,
    storeQuerySeconds: 10,
    memorySeconds: 60,
    memoryWarmupSeconds: 10,
    rssIntervalMs: 250,
  },
};

const USAGE = `Usage: npm run bench -- [--quick | --full] [options]

  --quick            small dataset (10,000 memberships), short runs; under 3 minutes on 2 cores (default)
  --full             medium (1,000,000) and large (10,000,000) datasets, 24 s per HTTP measurement,
                     60 s memory run
  --sizes LIST       comma-separated dataset sizes instead of the mode's (small, medium, large)
  --seed N           dataset seed (default 1)
  --connections N    concurrent HTTP connections (default 16)
  --results FILE     results JSON (default ${RESULTS_FILES.quick} in --quick, ${RESULTS_FILES.full} in --full)
  --no-docs          leave ${DOCS_FILE} unchanged; otherwise the run replaces its mode's results section
  --cpu-prof         write V8 CPU profiles of the server processes to a temporary folder
  --keep             keep the temporary folder with datasets and databases

PostgreSQL import and store query run when DATABASE_URL or DATABASE_URL_TEST is set: the run
creates a scratch database next to it (the role needs CREATEDB) and drops it afterwards.`;

interface RunOptions {
  readonly mode: Mode;
  readonly sizes: readonly DatasetSize[];
  readonly seed: number;
  readonly connections: number;
  readonly resultsFile: string;
  readonly writeDocs: boolean;
  readonly cpuProfile: boolean;
  readonly keep: boolean;
  readonly command: string;
}

function parseOptions(argv: readonly string[]): RunOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      seed: { type: 'string', default: '1' },
      connections: { type: 'string', default: '16' },
      results: { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }

  const seed = Number(values.seed);
  const connections = Number(values.connections);
  if (values.quick && values.full) throw new Error('give either --quick or --full, not both');
  if (!Number.isInteger(seed)) throw new Error(`invalid --seed "${values.seed}"; use an integer`);
  if (!Number.isInteger(connections) || connections < 1) {
    throw new Error(`invalid --connections "${values.connections}"; use a positive integer`);
  }
  const mode: Mode = values.full ? 'full' : 'quick';
  const sizes = values.sizes === undefined ? MODE_PLANS[mode].datasets : values.sizes.split(',');
  const invalid = sizes.filter((size) => !isDatasetSize(size));
  if (invalid.length > 0)
    throw new Error(`invalid --sizes "${invalid.join(',')}"; use small, medium or large`);
  return {
    mode,
    sizes: sizes.filter(isDatasetSize),
    seed,
    connections,
    resultsFile: values.results ?? RESULTS_FILES[mode],
    writeDocs: !values['no-docs'],
    cpuProfile: values['cpu-prof'],
    keep: values.keep,
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  };
}

const started = performance.now();

function log(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${seconds} s] ${message}\n`);
}

/** The SQLite database and access tokens of one dataset, shared by the HTTP runs. */
interface PreparedDataset {
  readonly manifest: DatasetManifest;
  readonly dbPath: string;
  readonly typical: readonly TokenPair[];
  readonly heavy: readonly TokenPair[];
}

/** One benchmark run: collects results section by section. */
class BenchRun {
  readonly #options: RunOptions;
  readonly #plan: ModePlan;
  readonly #workDir: string;
  readonly #secret = randomBytes(32);
  readonly #profileDir: string | undefined;
  readonly datasets: DatasetSummary[] = [];
  readonly imports: ImportEntry[] = [];
  readonly storeQueries: StoreQueryEntry[] = [];
  readonly checks: VariantCheck[] = [];
  readonly http: HttpEntry[] = [];
  readonly errors: string[] = [];
  memory: MemoryResult | Skipped = { skipped: 'not run' };

  constructor(options: RunOptions, workDir: string) {
    this.#options = options;
    this.#plan = MODE_PLANS[options.mode];
    this.#workDir = workDir;
    this.#profileDir = options.cpuProfile ? path.join(workDir, 'profiles') : undefined;
  }

  get settings(): RunSettings {
    const { datasets: _datasets, ...plan } = this.#plan;
    return { ...plan, connections: this.#options.connections, pageSize: PAGE_SIZE };
  }

  /** Runs `measure`, recording its failure and returning undefined instead of throwing. */
  async #attempt<T>(label: string, measure: () => Promise<T>): Promise<T | undefined> {
    try {
      return await measure();
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : String(error)}`;
      log(`FAILED ${message}`);
      this.errors.push(message);
      return undefined;
    }
  }

  async run(): Promise<void> {
    let last: PreparedDataset | undefined;
    for (const size of this.#options.sizes) {
      const prepared = await this.#prepare(size);
      await this.#measureStoreQueries(prepared);
      await this.#measureHttp(prepared);
      last = prepared;
    }
    if (last !== undefined) await this.#measureMemory(last);
  }

  /** Generates the dataset, imports it everywhere and creates the access tokens. */
  async #prepare(size: DatasetSize): Promise<PreparedDataset> {
    const file = path.join(this.#workDir, `${size}.ndjson`);
    log(`generating the ${size} dataset (seed ${this.#options.seed})`);
    const generationStarted = performance.now();
    const manifest = await writeDataset(
      new DatasetGenerator({ size, seed: this.#options.seed }),
      createWriteStream(file),
      'ndjson',
    );
    this.datasets.push({
      ...manifest,
      generationSeconds: round((performance.now() - generationStarted) / 1000, 2),
    });

    await this.#measureParse(size, file);
    const dbPath = path.join(this.#workDir, `${size}.db`);
    log(`importing ${manifest.memberships} memberships into SQLite`);
    const runs = SQLITE_IMPORT_RUNS[size];
    await this.#recordImport(size, 'SQLite', 'store.importMemberships', () =>
      importIntoSqliteRepeatedly(dbPath, file, runs),
    );
    await this.#measureCliImport(size, file, manifest.memberships);

    const store = SqliteStore.open(dbPath);
    try {
      const typical = await createTokens(store, manifest.typicalPairs);
      const heavy = await createTokens(store, manifest.heavyPairs);
      return { manifest, dbPath, typical, heavy };
    } finally {
      await store.close();
    }
  }

  async #recordImport(
    dataset: DatasetSize,
    target: string,
    method: string,
    measure: () => Promise<ImportResult>,
  ) {
    const result = await this.#attempt(`${target} import (${dataset})`, measure);
    this.imports.push(
      result === undefined
        ? { dataset, target, method, skipped: 'failed; see errors' }
        : { dataset, ...result },
    );
  }

  /** Reads the NDJSON file without a database: the part of every import that is not storage. */
  async #measureParse(dataset: DatasetSize, file: string): Promise<void> {
    await this.#recordImport(dataset, 'none', 'read, parse and validate NDJSON only', async () => {
      const parseStarted = performance.now();
      let records = 0;
      for await (const _record of readImportFile(file)) records += 1;
      const seconds = (performance.now() - parseStarted) / 1000;
      return {
        target: 'none',
        method: 'read, parse and validate NDJSON only',
        memberships: records,
        seconds: round(seconds, 3),
        membershipsPerSecond: Math.round(records / seconds),
      };
    });
  }

  async #measureCliImport(dataset: DatasetSize, file: string, memberships: number): Promise<void> {
    const method = 'mutual-rooms import (CLI process)';
    if (!hasImportCli()) {
      this.imports.push({ dataset, target: 'SQLite', method, skipped: 'src/cli/import.ts does not exist' });
      return;
    }
    const dbPath = path.join(this.#workDir, `${dataset}-cli.db`);
    log('importing through the mutual-rooms import CLI');
    await this.#recordImport(dataset, 'SQLite', method, () => importWithCli(dbPath, file, memberships));
    await removeSqliteDatabase(dbPath);
  }

  async #measureStoreQueries(prepared: PreparedDataset): Promise<void> {
    const { size } = prepared.manifest;
    log('measuring the SQLite store query in-process');
    const sqlite = SqliteStore.open(prepared.dbPath);
    try {
      await this.#storeScenarios(size, 'SQLite', sqlite, prepared.manifest);
    } finally {
      await sqlite.close();
    }
    await this.#measurePostgres(prepared);
  }

  async #storeScenarios(
    dataset: DatasetSize,
    storeName: string,
    store: MembershipStore,
    manifest: DatasetManifest,
  ) {
    for (const scenario of SCENARIOS) {
      const pairs = scenario === 'typical' ? manifest.typicalPairs : manifest.heavyPairs;
      const result = await this.#attempt(`${storeName} store query ${scenario} (${dataset})`, () =>
        benchStoreQuery({
          store,
          storeName,
          scenario,
          pairs,
          pageSize: PAGE_SIZE,
          durationSeconds: this.#plan.storeQuerySeconds,
        }),
      );
      this.storeQueries.push(
        result === undefined
          ? { dataset, store: storeName, scenario, skipped: 'failed; see errors' }
          : { dataset, ...result },
      );
    }
  }

  /** Imports into a scratch PostgreSQL database and measures its store query, when one is configured. */
  async #measurePostgres(prepared: PreparedDataset): Promise<void> {
    const { size } = prepared.manifest;
    const method = 'store.importMemberships';
    const adminUrl = process.env.DATABASE_URL || process.env.DATABASE_URL_TEST;
    if (adminUrl === undefined || adminUrl === '') {
      const skipped = 'neither DATABASE_URL nor DATABASE_URL_TEST is set';
      this.imports.push({ dataset: size, target: 'PostgreSQL', method, skipped });
      for (const scenario of SCENARIOS)
        this.storeQueries.push({ dataset: size, store: 'PostgreSQL', scenario, skipped });
      return;
    }

    const scratch = await this.#attempt('creating a scratch PostgreSQL database', () =>
      createScratchDatabase(adminUrl),
    );
    if (scratch === undefined) {
      this.imports.push({
        dataset: size,
        target: 'PostgreSQL',
        method,
        skipped: 'no scratch database; see errors',
      });
      return;
    }
    try {
      log(`importing ${prepared.manifest.memberships} memberships into PostgreSQL`);
      const file = path.join(this.#workDir, `${size}.ndjson`);
      const imported = await this.#attempt(`PostgreSQL import (${size})`, () =>
        importIntoPostgres(scratch.url, file),
      );
      if (imported === undefined) {
        this.imports.push({ dataset: size, target: 'PostgreSQL', method, skipped: 'failed; see errors' });
        return;
      }
      this.imports.push({ dataset: size, ...imported.result });
      log('measuring the PostgreSQL store query in-process');
      try {
        await this.#storeScenarios(size, 'PostgreSQL', imported.store, prepared.manifest);
      } finally {
        await imported.store.close();
      }
    } finally {
      await this.#attempt('dropping the scratch PostgreSQL database', () => scratch.drop());
    }
  }

  /**
   * Starts every variant at once, then loads them in turns: for each scenario, every variant runs
   * once per round, in an order that rotates each round. A burst of load from elsewhere on the
   * machine then hits all variants alike, which keeps their ratios steadier than back-to-back runs.
   */
  async #measureHttp(prepared: PreparedDataset): Promise<void> {
    const servers = new Map<Variant, ChildServer>();
    try {
      for (const variant of VARIANTS) {
        const server = await this.#startVariant(prepared, variant);
        if (server !== undefined) servers.set(variant, server);
      }
      for (const scenario of SCENARIOS) await this.#measureScenario(prepared, scenario, servers);
    } finally {
      for (const server of servers.values()) await server.stop();
    }
  }

  /** Starts `variant` and checks its responses; returns undefined when it failed to start. */
  async #startVariant(prepared: PreparedDataset, variant: Variant): Promise<ChildServer | undefined> {
    const dataset = prepared.manifest.size;
    log(`starting ${variant}`);
    const server = await this.#attempt(`starting ${variant} (${dataset})`, () =>
      ChildServer.start({
        variant,
        dbPath: prepared.dbPath,
        secret: this.#secret,
        pageSize: PAGE_SIZE,
        cpuProfileDir: this.#profileDir,
      }),
    );
    if (server === undefined) return undefined;

    const outcome = await this.#attempt(`checking the responses of ${variant}`, () =>
      checkAnswers(server.url, [...prepared.typical, ...prepared.heavy]),
    );
    this.checks.push({ dataset, variant, outcome: outcome ?? 'failed; see errors' });
    return server;
  }

  async #measureScenario(
    prepared: PreparedDataset,
    scenario: Scenario,
    servers: ReadonlyMap<Variant, ChildServer>,
  ) {
    const dataset = prepared.manifest.size;
    const pairs = (scenario === 'typical' ? prepared.typical : prepared.heavy).map((pair) => pair.load);
    const { httpRounds, httpSeconds, httpWarmupSeconds } = this.#plan;
    const roundSeconds = httpSeconds / httpRounds;
    const loadOf = (variant: Variant, server: ChildServer) => ({
      url: server.url,
      scenario,
      pairs,
      connections: this.#options.connections,
      label: `HTTP ${variant} ${scenario} (${dataset})`,
    });

    log(`loading with ${scenario}: ${httpRounds} rounds of ${roundSeconds} s per server`);
    const accumulators = new Map<Variant, LoadAccumulator>();
    for (const [variant, server] of servers) {
      const { label, ...load } = loadOf(variant, server);
      const warmed = await this.#attempt(label, () =>
        runLoad({ ...load, durationSeconds: httpWarmupSeconds }),
      );
      if (warmed !== undefined) accumulators.set(variant, new LoadAccumulator());
    }
    for (let round = 0; round < httpRounds; round += 1) {
      for (const variant of rotate([...accumulators.keys()], round)) {
        const server = servers.get(variant);
        const accumulator = accumulators.get(variant);
        if (server === undefined || accumulator === undefined) continue;
        const { label, ...load } = loadOf(variant, server);
        const ran = await this.#attempt(label, () =>
          runLoad({ ...load, durationSeconds: roundSeconds }, accumulator),
        );
        if (ran === undefined) accumulators.delete(variant);
      }
    }

    for (const variant of VARIANTS) {
      const accumulator = accumulators.get(variant);
      const skipped = servers.has(variant) ? 'failed; see errors' : 'server failed to start';
      this.http.push(
        accumulator === undefined
          ? { dataset, variant, store: 'SQLite', scenario, skipped }
          : { dataset, variant, store: 'SQLite', ...accumulator.result(scenario, this.#options.connections) },
      );
    }
  }

  async #measureMemory(prepared: PreparedDataset): Promise<void> {
    log(
      `memory run of express-validated: ${this.#plan.memoryWarmupSeconds} s warm-up, ${this.#plan.memorySeconds} s measured`,
    );
    const result = await this.#attempt('memory run', () =>
      runMemory({
        dataset: prepared.manifest.size,
        dbPath: prepared.dbPath,
        secret: this.#secret,
        pageSize: PAGE_SIZE,
        pairs: [...prepared.typical, ...prepared.heavy].map((pair) => pair.load),
        connections: this.#options.connections,
        warmupSeconds: this.#plan.memoryWarmupSeconds,
        seconds: this.#plan.memorySeconds,
        rssIntervalMs: this.#plan.rssIntervalMs,
        cpuProfileDir: this.#profileDir,
      }),
    );
    this.memory = result ?? { skipped: 'failed; see errors' };
  }
}

/** Creates one access token per requester of `pairs`. */
async function createTokens(store: MembershipStore, pairs: readonly DatasetPair[]): Promise<TokenPair[]> {
  const tokens = new Map<string, string>();
  const result: TokenPair[] = [];
  for (const pair of pairs) {
    let token = tokens.get(pair.userA);
    if (token === undefined) {
      token = await createAccessToken(store, pair.userA);
      tokens.set(pair.userA, token);
    }
    result.push({ pair, load: { accessToken: token, userId: pair.userB } });
  }
  return result;
}

/** Returns `items` rotated left by `steps`. */
function rotate<T>(items: readonly T[], steps: number): T[] {
  if (items.length === 0) return [];
  const offset = steps % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}

function printSummary(results: BenchResults): void {
  for (const entry of results.http) {
    if ('skipped' in entry) continue;
    const { p50Ms, p99Ms } = entry.latency;
    log(
      `${entry.variant.padEnd(20)} ${entry.scenario.padEnd(17)} ${String(entry.requestsPerSecond).padStart(7)} req/s  p50 ${p50Ms} ms  p99 ${p99Ms} ms`,
    );
  }
  for (const target of results.targets)
    console.log(`${target.status} ${target.description}: ${target.detail}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return;

  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'mutual-rooms-bench-'));
  log(
    `mode ${options.mode}, work folder ${workDir}, ${machine.cores} cores, load average ${machine.loadAverageAtStart[0]}`,
  );
  const run = new BenchRun(options, workDir);
  try {
    await run.run();
  } finally {
    if (!options.keep && !options.cpuProfile) await rm(workDir, { recursive: true, force: true });
  }

  const datasetSizes = run.datasets.map((d) => d.size);
  const ratios = computeRatios(run.http, datasetSizes);
  const results: BenchResults = {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    command: options.command,
    machine,
    settings: run.settings,
    datasets: run.datasets,
    imports: run.imports,
    storeQueries: run.storeQueries,
    checks: run.checks,
    http: run.http,
    ratios,
    memory: run.memory,
    targets: checkTargets({
      datasets: run.datasets,
      imports: run.imports,
      http: run.http,
      ratios,
      memory: run.memory,
    }),
    errors: run.errors,
  };

  await mkdir(path.dirname(options.resultsFile), { recursive: true });
  await writeFile(options.resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${options.resultsFile}`);
  if (options.writeDocs && existsSync(DOCS_FILE)) {
    await rewriteResultsSection(DOCS_FILE, renderResults(results), options.mode);
    log(`rewrote the results section of ${DOCS_FILE}`);
  }
  if (options.cpuProfile)
    log(`CPU profiles of the server processes are in ${path.join(workDir, 'profiles')}`);
  printSummary(results);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
