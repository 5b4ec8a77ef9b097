/**
 * Packs the package as `npm publish` would, installs the tarball into a new project and uses it
 * there the way an integrator does: type-check and run a file that imports the public exports.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const scratch = mkdtempSync(join(tmpdir(), 'mutual-rooms-pack-'));
const project = join(scratch, 'integrator');
const installed = join(project, 'node_modules/mutual-rooms');

const TOKEN = 'integrator-token';
const SETUP_TIMEOUT_MS = 600_000;
// tsc and node start in child processes; on a loaded machine each takes several seconds.
const CHILD_TIMEOUT_MS = 120_000;

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function command(file: string, args: string[], cwd: string): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs a command and throws with its output when it fails, so a setup failure shows its cause. */
async function mustRun(file: string, args: string[], cwd: string): Promise<string> {
  const result = await command(file, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${file} ${args.join(' ')} failed with exit code ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

// The homeserver side for the integrator file: versions, three pages of mutual rooms, and
// 400 M_INVALID_PARAM for a user_id that is not a user ID.
const PAGES: Record<string, { joined: string[]; next_batch?: string }> = {
  '': { joined: ['!a:example.org', '!b:example.org'], next_batch: 'p2' },
  p2: { joined: ['!c:example.org'], next_batch: 'p3' },
  p3: { joined: ['!d:example.org'] },
};

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function serveHomeserver(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (request.headers.authorization !== `Bearer ${TOKEN}`) {
    sendJson(response, 401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' });
    return;
  }
  if (url.pathname === '/_matrix/client/versions') {
    sendJson(response, 200, { versions: ['v1.19'], unstable_features: {} });
    return;
  }
  if (url.pathname !== '/_matrix/client/v1/mutual_rooms') {
    sendJson(response, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    return;
  }
  if (!url.searchParams.get('user_id')?.startsWith('@')) {
    sendJson(response, 400, { errcode: 'M_INVALID_PARAM', error: 'user_id must be a user ID' });
    return;
  }
  const page = PAGES[url.searchParams.get('from') ?? ''];
  if (page === undefined) {
    sendJson(response, 400, { errcode: 'M_INVALID_PARAM', error: 'Unknown from token' });
    return;
  }
  sendJson(response, 200, { ...page, count: 4 });
}

const INTEGRATOR_SOURCE = `import { createMutualRoomsClient, MatrixError, type MutualRoomsResponse } from 'mutual-rooms';
import { createMutualRoomsClient as fromClientPath } from 'mutual-rooms/client';
import type { components, paths } from 'mutual-rooms/types';

type ErrorBody = components['schemas']['Error'];
type Page = paths['/mutual_rooms']['get']['responses'][200]['content']['application/json'];

// Compiles only if the client returns the generated 200 body type.
const samePageType: [Page] extends [MutualRoomsResponse] ? ([MutualRoomsResponse] extends [Page] ? true : false) : false = true;

const baseUrl = process.argv[2];
if (baseUrl === undefined) {
  throw new Error('usage: node integrator.js BASE_URL');
}

const client = createMutualRoomsClient({ baseUrl, accessToken: '${TOKEN}' });
const list = await client.listMutualRooms('@bob:example.org');
const firstPage: Page = await client.getMutualRooms('@bob:example.org');

let badRequest: ErrorBody & { status: number } | undefined;
try {
  await client.getMutualRooms('bob');
} catch (error) {
  if (!(error instanceof MatrixError)) {
    throw error;
  }
  badRequest = { status: error.status, errcode: error.errcode, error: error.error };
}

console.log(JSON.stringify({ list, firstPage, badRequest, samePageType, sameExport: fromClientPath === createMutualRoomsClient }));
`;

// Uses only DOM and ES types, as a browser app does, so the declarations must not need @types/node.
const BROWSER_SOURCE = `import { createMutualRoomsClient, type MutualRoomsClient } from 'mutual-rooms';
import type { paths } from 'mutual-rooms/types';

export type Query = paths['/mutual_rooms']['get']['parameters']['query'];
export const client: MutualRoomsClient = createMutualRoomsClient({
  baseUrl: 'https://matrix.example.org',
  accessToken: 'token',
  fetch: (request) => fetch(request),
});
`;

const SERVER_SOURCE = `import { runConformance, type Report } from 'mutual-rooms/conformance';
import * as server from 'mutual-rooms/server';

export type ServerExports = typeof server;
export const stores: [typeof server.SqliteStore, typeof server.PostgresStore] = [server.SqliteStore, server.PostgresStore];
export const limiters: [typeof server.MemoryRateLimiter, typeof server.RedisRateLimiter] = [
  server.MemoryRateLimiter,
  server.RedisRateLimiter,
];
export const check: (options: Parameters<typeof runConformance>[0]) => Promise<Report> = runConformance;
`;

function writeTsconfig(name: string, files: string[], compilerOptions: Record<string, unknown>): void {
  const base = {
    strict: true,
    skipLibCheck: false,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2023',
  };
  writeFileSync(
    join(project, name),
    JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, files }, null, 2),
  );
}

let homeserver: Server | undefined;
let baseUrl = '';
let packedFiles: string[] = [];

beforeAll(async () => {
  const server = createServer(serveHomeserver);
  homeserver = server;
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Build, then pack without lifecycle scripts, so the tarball contains exactly this build.
  await mustRun('npm', ['run', 'build'], repo);
  const packOutput = await mustRun(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch],
    repo,
  );
  const [packed] = JSON.parse(packOutput) as { filename: string; files: { path: string }[] }[];
  if (packed === undefined) {
    throw new Error(`npm pack printed no package: ${packOutput}`);
  }
  packedFiles = packed.files.map((file) => file.path);

  // Install scripts are off, so better-sqlite3 is not compiled: the client does not load it.
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'integrator', private: true, type: 'module' }),
  );
  await mustRun(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(scratch, packed.filename),
    ],
    project,
  );

  writeFileSync(join(project, 'integrator.ts'), INTEGRATOR_SOURCE);
  writeFileSync(join(project, 'browser.ts'), BROWSER_SOURCE);
  writeFileSync(join(project, 'server-import.ts'), SERVER_SOURCE);
  // @types/node comes from this repository: the scratch project installs only the tarball.
  writeTsconfig('tsconfig.json', ['integrator.ts'], {
    types: ['node'],
    typeRoots: [join(repo, 'node_modules/@types')],
    lib: ['ES2023'],
    outDir: '.',
  });
  writeTsconfig('tsconfig.browser.json', ['browser.ts'], { types: [], lib: ['ES2023', 'DOM'], noEmit: true });
  writeTsconfig('tsconfig.server.json', ['server-import.ts'], {
    types: ['node'],
    typeRoots: [join(repo, 'node_modules/@types')],
    lib: ['ES2023'],
    noEmit: true,
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  const server = homeserver;
  if (server !== undefined) {
    await new Promise<void>((closed) => server.close(() => closed()));
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('packed package', () => {
  it('contains the client, its declarations and the types', () => {
    const required = [
      'package.json',
      'dist/src/client/index.js',
      'dist/src/client/index.d.ts',
      'dist/generated/openapi.json',
      'generated/schema.d.ts',
    ];
    for (const path of required) {
      expect(packedFiles, `the tarball lacks ${path}`).toContain(path);
    }
  });

  it('contains no tests', () => {
    expect(packedFiles.filter((path) => path.startsWith('test/') || path.includes('.test.'))).toEqual([]);
  });

  it(
    'type-checks an integrator file',
    async () => {
      const result = await command(process.execPath, [tsc, '-p', 'tsconfig.json'], project);

      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    'runs the integrator file against a homeserver',
    async () => {
      const stdout = await mustRun(process.execPath, ['integrator.js', baseUrl], project);
      const output = JSON.parse(stdout) as Record<string, unknown>;

      expect(output.list).toEqual({
        joined: ['!a:example.org', '!b:example.org', '!c:example.org', '!d:example.org'],
        count: 4,
      });
      expect(output.firstPage).toEqual({
        joined: ['!a:example.org', '!b:example.org'],
        count: 4,
        next_batch: 'p2',
      });
      expect(output.badRequest).toEqual({
        status: 400,
        errcode: 'M_INVALID_PARAM',
        error: 'user_id must be a user ID',
      });
      expect(output.samePageType).toBe(true);
      expect(output.sameExport).toBe(true);
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    'type-checks for a browser without @types/node',
    async () => {
      const result = await command(process.execPath, [tsc, '-p', 'tsconfig.browser.json'], project);

      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
    CHILD_TIMEOUT_MS,
  );

  it('ships the server export target', () => {
    for (const file of ['dist/src/server/index.js', 'dist/src/server/index.d.ts']) {
      expect(
        existsSync(join(installed, file)),
        `exports["./server"] points at ${file}, which the package lacks`,
      ).toBe(true);
    }
  });

  it(
    'type-checks an import of the server export',
    async () => {
      const result = await command(process.execPath, [tsc, '-p', 'tsconfig.server.json'], project);

      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
    CHILD_TIMEOUT_MS,
  );
});
