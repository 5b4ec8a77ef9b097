import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConformanceError,
  type ConformanceOptions,
  DEFAULT_BURST,
  DEFAULT_MAX_RPS,
  DEFAULT_TIMEOUT_MS,
  formatJson,
  formatJunit,
  formatSummary,
  listChecks,
  loadFixtures,
  MAX_BURST,
  type Report,
  runConformance,
} from '../conformance/index.js';

const USAGE = `usage: mutual-rooms conformance --base-url URL --token TOKEN [options]

Checks a homeserver's Mutual Rooms API (GET /_matrix/client/v1/mutual_rooms) against Matrix v1.19.

  --base-url URL        homeserver base URL, such as https://matrix.example.org
  --token TOKEN         access token of user A (or users.a.accessToken in --fixtures)
  --token-b TOKEN       access token of user B, for the membership checks and --create-rooms
  --user-b USER_ID      user ID of user B; looked up with whoami from --token-b when absent
  --fixtures FILE       JSON or YAML file naming users A and B and the rooms they share or not
  --create-rooms        create the rooms for the membership checks with A's and B's tokens,
                        and leave them at the end
  --rate-limit          send a burst of --burst requests and check the 429 responses
  --burst N             requests in the rate-limit burst (default ${DEFAULT_BURST}, at most ${MAX_BURST})
  --report junit|json   also write a report in this format to --out
  --out FILE            file for --report
  --timeout MS          timeout of each request in milliseconds (default ${DEFAULT_TIMEOUT_MS})
  --max-rps N           maximum requests per second outside the burst (default ${DEFAULT_MAX_RPS})
  --only ID,...         run only these checks; a prefix such as auth selects auth.*
  --list                print the check ids and descriptions, then exit
  -h, --help            print this help

Exit status: 0 when every check that ran passed, 1 when any failed, 2 for bad usage or an
unreachable server.`;

const OPTIONS = {
  'base-url': { type: 'string' },
  token: { type: 'string' },
  'token-b': { type: 'string' },
  'user-b': { type: 'string' },
  fixtures: { type: 'string' },
  'create-rooms': { type: 'boolean' },
  'rate-limit': { type: 'boolean' },
  burst: { type: 'string' },
  report: { type: 'string' },
  out: { type: 'string' },
  timeout: { type: 'string' },
  'max-rps': { type: 'string' },
  only: { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function usageError(message: string): ConformanceError {
  return new ConformanceError('usage', message);
}

function parseNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value)) throw usageError(`--${name} must be a positive number, got '${value}'`);
  return Number(value);
}

function parseReportFormat(values: Values): 'junit' | 'json' | undefined {
  const { report, out } = values;
  if (report === undefined) {
    if (out !== undefined) throw usageError('--out needs --report junit or --report json');
    return undefined;
  }
  if (report !== 'junit' && report !== 'json')
    throw usageError(`--report must be junit or json, got '${report}'`);
  if (out === undefined) throw usageError(`--report ${report} needs --out FILE`);
  return report;
}

async function toOptions(values: Values): Promise<ConformanceOptions> {
  const baseUrl = values['base-url'];
  if (baseUrl === undefined)
    throw usageError('--base-url is required, such as --base-url https://matrix.example.org');
  return {
    baseUrl,
    token: values.token,
    tokenB: values['token-b'],
    userB: values['user-b'],
    fixtures: values.fixtures === undefined ? undefined : await loadFixtures(values.fixtures),
    createRooms: values['create-rooms'],
    rateLimit: values['rate-limit'],
    burst: parseNumber('burst', values.burst),
    timeoutMs: parseNumber('timeout', values.timeout),
    maxRps: parseNumber('max-rps', values['max-rps']),
    only: values.only?.split(','),
  };
}

async function writeReport(report: Report, format: 'junit' | 'json', path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, format === 'junit' ? formatJunit(report) : formatJson(report));
  } catch (error) {
    throw usageError(
      `cannot write the ${format} report to ${path}: ${(error as Error).message}; choose another --out`,
    );
  }
}

/**
 * Runs `mutual-rooms conformance` with the arguments after the subcommand and returns the exit
 * status: 0 when all checks that ran passed, 1 when any failed, 2 for bad usage or an unreachable
 * server. The summary goes to stdout, errors to stderr.
 */
export async function runConformanceCommand(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (values.list) {
      for (const { id, description } of listChecks()) process.stdout.write(`${id}\t${description}\n`);
      return 0;
    }

    const format = parseReportFormat(values);
    const report = await runConformance(await toOptions(values));
    process.stdout.write(formatSummary(report));
    if (format !== undefined && values.out !== undefined) await writeReport(report, format, values.out);
    return report.summary.failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof ConformanceError) {
      process.stderr.write(`conformance: ${error.message}\n`);
      if (error.kind === 'usage') process.stderr.write('run with --help for the options\n');
      return 2;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`conformance: ${describeParseError(code, error as Error)}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

/** Describes a parseArgs error without echoing a stray argument, which may be a token. */
function describeParseError(code: string, error: Error): string {
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return 'unexpected argument without an option name; every option takes the form --name VALUE';
  }
  return error.message;
}
