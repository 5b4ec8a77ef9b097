import { createReadStream, statSync } from 'node:fs';
import { ImportError } from '../import/errors.js';
import { type ImportFormat, type ImportProgress, readMembershipRecords } from '../import/reader.js';
import { loadStoreConfig } from '../server/config.js';
import { type ImportStats, type MembershipStore, StoreUnavailableError } from '../store/types.js';
import { parseCommandArgs, printError, stringOption, UsageError } from './args.js';
import { openStore, STORE_OPTIONS, STORE_OPTIONS_HELP } from './store.js';

export const IMPORT_USAGE = `usage: mutual-rooms import [--db PATH | --database-url URL] [--format ndjson|csv] FILE...

Loads memberships from each FILE ("-" reads stdin), one transaction per file: an invalid line
aborts its file, leaves the database as it was and stops the import. A later record for the same
room and user replaces an earlier one.

Formats (detected from the first line unless --format is given):
  NDJSON  {"room_id": "!r:example.org", "user_id": "@a:example.org", "membership": "join"}
          or m.room.member events: {"type": "m.room.member", "room_id", "state_key", "content": {"membership"}}
  CSV     a header naming room_id,user_id,membership, then one row per membership

On PostgreSQL each file is streamed with COPY into a temporary staging table, then merged into
the memberships table in the same transaction.

options:
${STORE_OPTIONS_HELP}
  --format FORMAT      ndjson or csv`;

const PROGRESS_INTERVAL_MS = 500;
/** The FILE argument that reads standard input. */
const STDIN_PATH = '-';

/** Runs `mutual-rooms import`; counts and rates go to stderr. */
export async function runImportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, format: { type: 'string' } });
  if (values.help) {
    console.log(IMPORT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('missing FILE; give one or more files, or - for stdin');
  const format = stringOption(values, 'format');
  if (format !== undefined && format !== 'ndjson' && format !== 'csv') {
    throw new UsageError(`--format must be ndjson or csv, got "${format}"`);
  }

  const store = await openStore(loadStoreConfig(values));
  try {
    for (const path of positionals) {
      const ok = await importFile(store, path, format);
      if (!ok) return 1;
    }
  } finally {
    await store.close();
  }
  return 0;
}

async function importFile(
  store: MembershipStore,
  path: string,
  format: ImportFormat | undefined,
): Promise<boolean> {
  const started = performance.now();
  const isStdin = path === STDIN_PATH;
  // The name in messages: "standard input" reads better than "-" in "Nothing of - was imported".
  const name = isStdin ? 'standard input' : path;
  const progress = createProgressPrinter(name, isStdin ? undefined : sizeOf(path));
  try {
    const stream = isStdin ? process.stdin : createReadStream(path);
    const records = readMembershipRecords({ path: name, stream }, { format, onProgress: progress.update });
    const stats = await store.importMemberships(records);
    progress.clear();
    printError(summary(name, stats, (performance.now() - started) / 1000));
    return true;
  } catch (error) {
    progress.clear();
    if (error instanceof ImportError) {
      printError(`mutual-rooms import: ${error.message}\nNothing of ${name} was imported.`);
      return false;
    }
    if (error instanceof StoreUnavailableError) {
      printError(
        `mutual-rooms import: ${error.message}\nNothing of ${name} was imported; run the import again.`,
      );
      return false;
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      printError(`mutual-rooms import: cannot read ${path}: ${(error as Error).message}`);
      return false;
    }
    throw error;
  }
}

function summary(name: string, stats: ImportStats, seconds: number): string {
  const rate = seconds > 0 ? Math.round(stats.records / seconds) : stats.records;
  const records = countOf(stats.records, 'record');
  const memberships = countOf(stats.memberships, 'membership');
  return `${name}: imported ${records} into ${memberships} in ${seconds.toFixed(2)} s (${rate} rows/s)`;
}

/** Returns "1 record" or "2 records": the count and the noun in singular or plural. */
function countOf(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** Rewrites one progress line on a terminal at most every PROGRESS_INTERVAL_MS; silent otherwise. */
function createProgressPrinter(path: string, totalBytes: number | undefined) {
  const enabled = process.stderr.isTTY === true;
  let lastPrinted = 0;
  let lineVisible = false;
  return {
    update: (progress: ImportProgress) => {
      const now = Date.now();
      if (!enabled || now - lastPrinted < PROGRESS_INTERVAL_MS) return;
      lastPrinted = now;
      lineVisible = true;
      const percent =
        totalBytes !== undefined && totalBytes > 0 && progress.bytes !== undefined
          ? ` (${Math.min(100, Math.floor((progress.bytes / totalBytes) * 100))}%)`
          : '';
      process.stderr.write(`\r${path}: ${progress.lines} lines read${percent}\x1b[K`);
    },
    clear: () => {
      if (lineVisible) process.stderr.write('\r\x1b[K');
    },
  };
}
