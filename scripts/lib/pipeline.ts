import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  /** Folder of the root spec file, which the source paths recorded in openapi.json are relative to. */
  readonly specDir: string;
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
    return { files: [], diagnostics, specDir: dirname(bundle.root.absolutePath) };
  }

  // Paths written into the output are relative to the spec and output folders, never to the
  // working directory, so the same inputs give the same bytes wherever the command runs.
  const command = regenerateCommand(specPath, outDir);
  const document = {
    'x-generated': {
      note: `Generated from the spec sources. Do not edit by hand: run \`${command}\`.`,
      sources: hashSources(bundle.sources, dirname(bundle.root.absolutePath)),
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
  return { files, diagnostics, specDir: dirname(bundle.root.absolutePath) };
}

/** SHA-256 of each source file, keyed by its path relative to `specDir`, for `--check`. */
function hashSources(sources: readonly SourceFile[], specDir: string): Record<string, string> {
  const entries = sources.map((source) => [
    toPosix(relative(specDir, source.absolutePath)),
    createHash('sha256').update(readFileSync(source.absolutePath)).digest('hex'),
  ]);
  return Object.fromEntries(entries.sort(([a = ''], [b = '']) => a.localeCompare(b)));
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

/**
 * Returns the command that regenerates the output, with `--spec` and `--out` relative to the
 * folder that contains the output folder (the project root for the default layout).
 */
function regenerateCommand(specPath: string, outDir: string): string {
  const root = dirname(resolve(outDir));
  const spec = toPosix(relative(root, resolve(specPath)));
  const out = toPosix(relative(root, resolve(outDir)));
  const options: string[] = [];
  if (spec !== DEFAULT_SPEC) options.push(`--spec ${spec}`);
  if (out !== DEFAULT_OUT) options.push(`--out ${out}`);
  return options.length === 0 ? 'npm run generate' : `npm run generate -- ${options.join(' ')}`;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
