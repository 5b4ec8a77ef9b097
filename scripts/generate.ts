/**
 * Bundles the OpenAPI spec, checks it and writes `generated/openapi.json` and
 * `generated/schema.d.ts`.
 *
 *   npm run generate [-- --spec FILE] [--out DIR] [--check] [--strict]
 *
 * Exit codes: 0 when done (or, with --check, when generated files are up to date), 1 when the
 * spec has errors or generated files are stale, 2 for bad usage.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { changedSources, runPipeline } from './lib/pipeline.js';
import { displayPathOf, formatLocation, SpecError } from './lib/source.js';
import type { Diagnostic } from './lib/validate.js';

const USAGE = `usage: npm run generate -- [--spec FILE] [--out DIR] [--check] [--strict]
  --spec FILE  root OpenAPI 3.1 document (default spec/mutual_rooms.yaml)
  --out DIR    folder for openapi.json and schema.d.ts (default generated)
  --check      write nothing; exit 1 and name each file that differs from what the spec produces
  --strict     treat warnings as errors`;

async function main(argv: string[]): Promise<number> {
  let values: { spec?: string; out?: string; check?: boolean; strict?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        spec: { type: 'string' },
        out: { type: 'string' },
        check: { type: 'boolean' },
        strict: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`generate: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const started = performance.now();
  let result: Awaited<ReturnType<typeof runPipeline>>;
  try {
    result = await runPipeline({ spec: values.spec, out: values.out });
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }

  for (const diagnostic of result.diagnostics) console.error(formatDiagnostic(diagnostic));
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  if (errors > 0 || (values.strict && warnings > 0)) {
    console.error(`generate: the spec has ${errors} error(s) and ${warnings} warning(s); nothing written`);
    return 1;
  }

  const elapsed = `${Math.round(performance.now() - started)} ms`;
  if (values.check) {
    const stale = result.files.filter((file) => file.content !== file.current);
    const bundleFile = result.files.find((file) => file.path.endsWith('openapi.json'));
    for (const source of bundleFile ? changedSources(bundleFile) : []) {
      const path = displayPathOf(join(result.specDir, source));
      console.error(`${path}: changed since ${bundleFile?.path} was generated`);
    }
    const command = [
      'npm run generate',
      ...(argv.length > 0 ? ['--', ...argv.filter((arg) => arg !== '--check')] : []),
    ];
    for (const file of stale) {
      const state = file.current === undefined ? 'missing' : 'stale';
      console.error(`${file.path}: ${state}; run \`${command.join(' ')}\` and commit the result`);
    }
    if (stale.length > 0) return 1;
    console.log(`generate --check: ${result.files.length} files up to date (${elapsed})`);
    return 0;
  }

  for (const file of result.files) {
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.content);
    const state = file.content === file.current ? 'unchanged' : 'written';
    console.log(`${state} ${file.path} (${Buffer.byteLength(file.content)} bytes)`);
  }
  console.log(`generate: done in ${Math.round(performance.now() - started)} ms, ${warnings} warning(s)`);
  return 0;
}

function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = formatLocation(diagnostic.file, diagnostic.line, diagnostic.pointer);
  return `${diagnostic.severity}: ${where}: ${diagnostic.message} [${diagnostic.rule}]`;
}

process.exitCode = await main(process.argv.slice(2));
