import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
const tscBin = require.resolve('typescript/bin/tsc');
const generateScript = join(repo, 'scripts/generate.ts');

const scratch = mkdtempSync(join(tmpdir(), 'mutual-rooms-generate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function generate(args: string[], cwd = repo): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', tsxLoader, generateScript, ...args], {
      cwd,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Type-checks `files` in `cwd` as an ES module project with strict options and skipLibCheck off. */
async function typecheck(files: string[], cwd: string): Promise<CommandResult> {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2023',
    lib: ['ES2023', 'DOM'],
    types: [],
  };
  writeFileSync(join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  writeFileSync(join(cwd, 'package.json'), JSON.stringify({ type: 'module' }));
  try {
    const { stdout, stderr } = await run(process.execPath, [tscBin, '-p', 'tsconfig.json'], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Copies the spec and the committed generated files into a fresh folder. */
function copyProject(name: string): string {
  const dir = join(scratch, name);
  cpSync(join(repo, 'spec'), join(dir, 'spec'), { recursive: true });
  cpSync(join(repo, 'generated'), join(dir, 'generated'), { recursive: true });
  return dir;
}

function collectReferences(node: unknown, found: string[] = []): string[] {
  if (node === null || typeof node !== 'object') return found;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') found.push(value);
    else collectReferences(value, found);
  }
  return found;
}

describe('generated/openapi.json', { timeout: 120_000 }, () => {
  const bundle = JSON.parse(readFileSync(join(repo, 'generated/openapi.json'), 'utf8')) as {
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string }> };
  };

  it('has only internal references under #/components/', () => {
    const references = collectReferences(bundle);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references)
      expect(reference).toMatch(/^#\/components\/[A-Za-z]+\/[A-Za-z0-9._-]+$/);
  });

  it('shares one Error schema between the 400 and 429 bodies', () => {
    const references = collectReferences(bundle);
    expect(references.filter((reference) => reference === '#/components/schemas/Error')).toHaveLength(2);
    expect(Object.keys(bundle.components.schemas).sort()).toEqual(['Error', 'RateLimited']);
  });

  it('inlines the security schemes under their own names', () => {
    expect(bundle.components.securitySchemes.accessTokenQuery?.type).toBe('apiKey');
    expect(bundle.components.securitySchemes.accessTokenBearer?.type).toBe('http');
  });
});

describe('generate', { timeout: 120_000 }, () => {
  it('check passes on the committed files', async () => {
    const result = await generate(['--check']);
    expect(result.stderr).not.toMatch(/stale|missing/);
    expect(result.code).toBe(0);
  });

  it('writes byte-identical files on every run', async () => {
    const dir = copyProject('determinism');
    const first = await generate(['--out', 'first'], dir);
    const second = await generate(['--out', 'second'], dir);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    for (const name of ['openapi.json', 'schema.d.ts']) {
      const a = readFileSync(join(dir, 'first', name), 'utf8');
      const b = readFileSync(join(dir, 'second', name), 'utf8').replaceAll('--out second', '--out first');
      expect(b).toBe(a);
      expect(a).not.toContain(dir);
      expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });

  it('prints what it wrote and how long it took', async () => {
    const dir = copyProject('report');
    const result = await generate([], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/generated\/openapi\.json/);
    expect(result.stdout).toMatch(/generated\/schema\.d\.ts/);
    expect(result.stdout).toMatch(/done in \d+ ms/);
  });

  it('warns on schema example unless --strict', async () => {
    const dir = copyProject('strict');
    const relaxed = await generate(['--check'], dir);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stderr).toMatch(
      /warning: spec\/mutual_rooms\.yaml:\d+ \(#\/paths\/.*\/joined\/items\/example\)/,
    );
    const strict = await generate(['--check', '--strict'], dir);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/nothing written/);
  });

  const specFiles = [
    'spec/mutual_rooms.yaml',
    'spec/definitions/errors/error.yaml',
    'spec/definitions/errors/rate_limited.yaml',
    'spec/definitions/security.yaml',
  ];
  it.each(specFiles)('check fails and names %s after a description change', async (file) => {
    const dir = copyProject(`stale-${file.replaceAll('/', '-')}`);
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const changed = text.replace(/description: (\S)/, 'description: Changed. $1');
    expect(changed).not.toBe(text);
    writeFileSync(path, changed);

    const result = await generate(['--check'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: changed since generated/openapi.json was generated`);
    expect(result.stderr).toContain('generated/openapi.json: stale');
  });

  it('writes the same bytes from any working directory', async () => {
    const dir = copyProject('working-directory');
    const spec = join(dir, 'spec/mutual_rooms.yaml');
    const out = join(dir, 'absolute-out');
    const fromProject = await generate(['--spec', spec, '--out', out], dir);
    expect(fromProject.code).toBe(0);
    const first = readFileSync(join(out, 'openapi.json'), 'utf8');
    expect(first).toContain('npm run generate -- --out absolute-out');

    const elsewhere = join(scratch, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const check = await generate(['--spec', spec, '--out', out, '--check'], elsewhere);
    expect(check.stderr).not.toMatch(/changed since|stale/);
    expect(check.code).toBe(0);
  });

  it('check names a missing generated file', async () => {
    const dir = copyProject('missing');
    rmSync(join(dir, 'generated/schema.d.ts'));
    const result = await generate(['--check'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('generated/schema.d.ts: missing');
  });

  it('rejects an unknown option with usage and exit 2', async () => {
    const result = await generate(['--chekc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run generate/);
  });
});

describe('generate with --spec and --out', { timeout: 120_000 }, () => {
  const dir = join(scratch, 'multi');
  cpSync(join(repo, 'test/fixtures/multi'), dir, { recursive: true });

  it('bundles a multi-file spec into components only', async () => {
    const result = await generate(['--spec', 'openapi.yaml', '--out', 'out'], dir);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);

    const bundle = JSON.parse(readFileSync(join(dir, 'out/openapi.json'), 'utf8')) as {
      components: Record<string, Record<string, unknown>>;
    };
    const references = collectReferences(bundle);
    for (const reference of references) expect(reference).toMatch(/^#\/components\//);
    expect(Object.keys(bundle.components.schemas ?? {}).sort()).toEqual([
      'Error',
      'Member',
      'Membership',
      'RateLimited',
      'Room',
      'User',
    ]);
    expect(Object.keys(bundle.components.parameters ?? {})).toEqual(['room_id']);
    expect(Object.keys(bundle.components.responses ?? {})).toEqual(['not_found']);
  });

  it('names the regenerate command with its options in the header', () => {
    const types = readFileSync(join(dir, 'out/schema.d.ts'), 'utf8');
    expect(types).toContain('npm run generate -- --spec openapi.yaml --out out');
  });

  it('gives types that compile with skipLibCheck off', async () => {
    const result = await typecheck(['out/schema.d.ts', 'usage.ts'], dir);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('generate on a bad spec', { timeout: 120_000 }, () => {
  const cases = [
    {
      name: 'unresolvable $ref',
      file: 'unresolved-ref.yaml',
      want: /unresolved-ref\.yaml:\d+ \(#\/paths\/~1a\/get\/responses\/200\/content\/application~1json\/schema\): cannot resolve \$ref to .*definitions\/missing\.yaml/,
    },
    {
      name: 'misspelt schema type',
      file: 'objekt.yaml',
      want: /objekt\.yaml:13 \(#\/paths\/~1a\/get\/responses\/200\/content\/application~1json\/schema\/type\): .*"object"/,
    },
    {
      name: 'duplicate operationId',
      file: 'duplicate-operation-id.yaml',
      want: /duplicate-operation-id\.yaml:\d+ \(#\/paths\/~1b\/get\/operationId\): .*unique `operationId`/,
    },
    {
      name: 'file that is not YAML',
      file: 'not-yaml.yaml',
      want: /not-yaml\.yaml:\d+ \(#\): not valid YAML/,
    },
    {
      name: 'Swagger 2.0 document',
      file: 'swagger-2.yaml',
      want: /swagger-2\.yaml:1 \(#\/swagger\): expected an OpenAPI 3\.1 document .*found swagger: "2\.0"/,
    },
    {
      name: 'OpenAPI 3.0 document',
      file: 'openapi-3.0.yaml',
      want: /openapi-3\.0\.yaml:1 \(#\/openapi\): expected an OpenAPI 3\.1 document .*found openapi: "3\.0\.3"/,
    },
    {
      name: 'top-level list',
      file: 'top-level-list.yaml',
      want: /top-level-list\.yaml:1 \(#\): expected a YAML mapping at the top of the file/,
    },
  ];

  it.each(cases)('fails on $name with file and reason', async ({ file, want }) => {
    const result = await generate(['--spec', `test/fixtures/bad/${file}`, '--out', join(scratch, 'bad-out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(want);
  });
});

describe('type tests', { timeout: 120_000 }, () => {
  it('fail when a generated type becomes any', async () => {
    const dir = join(scratch, 'any');
    cpSync(join(repo, 'test/types'), join(dir, 'test/types'), { recursive: true });
    cpSync(join(repo, 'generated'), join(dir, 'generated'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    const files = ['generated/schema.d.ts', 'test/types/assert.ts', 'test/types/generated.ts'];
    const types = join(dir, 'generated/schema.d.ts');
    const original = readFileSync(types, 'utf8');

    const baseline = await typecheck(files, dir);
    expect(baseline.stdout).toBe('');
    expect(baseline.code).toBe(0);

    const mutations: [string, string][] = [
      ['joined: string[];', 'joined: any;'],
      ['count: number;', 'count: any;'],
      ['next_batch?: string;', 'next_batch?: any;'],
      ['retry_after_ms?: number;', 'retry_after_ms?: any;'],
      ['errcode: string;', 'errcode: any;'],
      ['user_id: string;', 'user_id: any;'],
      ['from?: string;', 'from?: any;'],
      ['"application/json": components["schemas"]["Error"];', '"application/json": any;'],
      ['"application/json": components["schemas"]["RateLimited"];', '"application/json": any;'],
    ];
    for (const [from, to] of mutations) {
      expect(original).toContain(from);
      writeFileSync(types, original.replace(from, to));
      const result = await typecheck(files, dir);
      expect(result.code, `type tests still pass with ${to}`).not.toBe(0);
    }
  });
});
