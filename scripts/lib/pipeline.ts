import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleSpec } from './bundle.js';
import { displayPathOf, type SourceFile } from './source.js';
import { generateTypes } from './typegen.js';
import { type Diagnostic, validateBundle } from './validate.js';

export const DEFAULT_SPEC = 'spec/mutual_rooms.yaml';
export const DEFAULT_OUT = 'generated';

export interface GenerateOptions {
  spec?: string;
  out?: string;
}

/** A file the pipeline produces, with what is on disk now for comparison. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
  readonly current: string | undefined;
}

export interface GenerateResult {
  readonly files: readonly GeneratedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Bundles, validates and generates types for one OpenAPI 3.1 document, in memory. Writing the
 * files, or comparing them for `--check`, is left to the caller. A spec that cannot be bundled
 * throws a SpecError; a spec with error diagnostics returns no files.
 */
export async function runPipeline(options: GenerateOptions = {}): Promise<GenerateResult> {
  const specPath = options.spec ?? DEFAULT_SPEC;
  const outDir = options.out ?? DEFAULT_OUT;

  const bundle = bundleSpec(specPath);
  const diagnostics = await validateBundle(bundle);
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
    return { files: [], diagnostics };
  }

  const command = regenerateCommand(specPath, outDir);
  const document = {
    'x-generated': {
      note: `Generated from the spec sources. Do not edit by hand: run \`${command}\`.`,
      sources: hashSources(bundle.sources),
    },
    ...bundle.document,
  };
  const outputs = [
    { name: 'openapi.json', content: `${JSON.stringify(document, null, 2)}\n` },
    { name: 'schema.d.ts', content: await generateTypes(bundle.document, command) },
  ];

  const files = await Promise.all(
    outputs.map(async ({ name, content }) => {
      const path = displayPathOf(join(outDir, name));
      const current = await readFile(path, 'utf8').catch(() => undefined);
      return { path, content, current };
    }),
  );
  return { files, diagnostics };
}

/** SHA-256 of each source file, so `--check` can name the spec files that changed. */
function hashSources(sources: readonly SourceFile[]): Record<string, string> {
  const sorted = [...sources].sort((a, b) => a.displayPath.localeCompare(b.displayPath));
  return Object.fromEntries(
    sorted.map((source) => [
      source.displayPath,
      createHash('sha256').update(readFileSync(source.absolutePath)).digest('hex'),
    ]),
  );
}

/** Lists the spec files whose hash differs from the one recorded in a generated openapi.json. */
export function changedSources(generated: GeneratedFile): string[] {
  if (generated.current === undefined) return [];
  let recorded: Record<string, string> = {};
  try {
    recorded =
      (JSON.parse(generated.current) as { 'x-generated'?: { sources?: Record<string, string> } })[
        'x-generated'
      ]?.sources ?? {};
  } catch {
    return [];
  }
  const now = (JSON.parse(generated.content) as { 'x-generated': { sources: Record<string, string> } })[
    'x-generated'
  ].sources;
  const names = new Set([...Object.keys(recorded), ...Object.keys(now)]);
  return [...names].filter((name) => recorded[name] !== now[name]).sort();
}

function regenerateCommand(specPath: string, outDir: string): string {
  const options: string[] = [];
  if (displayPathOf(specPath) !== DEFAULT_SPEC) options.push(`--spec ${displayPathOf(specPath)}`);
  if (displayPathOf(outDir) !== DEFAULT_OUT) options.push(`--out ${displayPathOf(outDir)}`);
  return options.length === 0 ? 'npm run generate' : `npm run generate -- ${options.join(' ')}`;
}
