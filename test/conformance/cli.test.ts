import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runConformanceCommand } from '../../src/cli/conformance.js';
import { CHECK_IDS, type Report } from '../../src/conformance/index.js';
import { SelfUnknownDouble } from './doubles/defects.js';
import { HomeserverDouble } from './doubles/homeserver.js';

const folder = mkdtempSync(join(tmpdir(), 'conformance-cli-'));
const doubles: HomeserverDouble[] = [];
const servers: Server[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(doubles.splice(0).map((double) => double.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Runs the command and returns its exit code and what it wrote. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = await runConformanceCommand(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

async function startDouble(
  double = new HomeserverDouble(),
): Promise<{ double: HomeserverDouble; baseUrl: string }> {
  doubles.push(double);
  return { double, baseUrl: await double.start() };
}

/** Starts a server that sends the response in `routes` for each path, and 404 M_UNRECOGNIZED otherwise. */
async function startRawServer(
  routes: Record<string, { status: number; body: unknown } | 'hang'>,
): Promise<string> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const route = routes[path] ?? {
      status: 404,
      body: { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' },
    };
    if (route === 'hang') return;
    response.writeHead(route.status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(route.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function fullRun(double: HomeserverDouble, baseUrl: string): string[] {
  return [
    '--base-url',
    baseUrl,
    '--token',
    double.userA.token,
    '--token-b',
    double.userB.token,
    '--create-rooms',
    '--rate-limit',
    '--max-rps',
    '1000',
  ];
}

describe('conformance command', () => {
  it('prints help with exit 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: mutual-rooms conformance --base-url URL --token TOKEN');
  });

  it('lists every check id with its description', async () => {
    const result = await run(['--list']);
    expect(result.code).toBe(0);
    const ids = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[0]);
    expect(ids).toEqual([...CHECK_IDS]);
  });

  it.each([
    { name: 'no base URL', argv: ['--token', 't'], message: '--base-url is required' },
    { name: 'an unknown option', argv: ['--bogus'], message: "Unknown option '--bogus'" },
    {
      name: 'an unknown report format',
      argv: ['--base-url', 'http://127.0.0.1:1', '--token', 't', '--report', 'xml', '--out', 'f'],
      message: '--report must be junit or json',
    },
    {
      name: 'a report without --out',
      argv: ['--base-url', 'http://127.0.0.1:1', '--token', 't', '--report', 'junit'],
      message: '--report junit needs --out FILE',
    },
    {
      name: 'a timeout that is no number',
      argv: ['--base-url', 'http://127.0.0.1:1', '--token', 't', '--timeout', 'soon'],
      message: "--timeout must be a positive number, got 'soon'",
    },
    {
      name: 'an unknown check',
      argv: ['--base-url', 'http://127.0.0.1:1', '--token', 't', '--only', 'auth,nope'],
      message: 'unknown checks: nope',
    },
  ])('exits 2 for $name', async ({ argv, message }) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('exits 2 when the report cannot be written', async () => {
    const { double, baseUrl } = await startDouble();
    const blocker = join(folder, 'a-file');
    writeFileSync(blocker, '');
    const out = join(blocker, 'report.xml');
    const result = await run([
      '--base-url',
      baseUrl,
      '--token',
      double.userA.token,
      '--only',
      'auth',
      '--report',
      'junit',
      '--out',
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot write the junit report to ${out}`);
  });

  it('does not echo a stray argument, which may be a token', async () => {
    const result = await run(['--base-url', 'http://127.0.0.1:1', 'stray-secret-token']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('stray-secret-token');
  });

  it('exits 2 when the server is unreachable', async () => {
    const baseUrl = await startRawServer({});
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const result = await run(['--base-url', baseUrl, '--token', 'secret-a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot reach ${baseUrl}`);
    expect(result.stderr).toContain('ECONNREFUSED');
  });

  it('exits 2 when the server rejects the token', async () => {
    const { baseUrl } = await startDouble();
    const result = await run(['--base-url', baseUrl, '--token', 'wrong-secret']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the server rejected --token');
    expect(result.stderr).not.toContain('wrong-secret');
  });

  it('exits 2 when whoami times out', async () => {
    const baseUrl = await startRawServer({
      '/_matrix/client/versions': { status: 200, body: { versions: ['v1.19'] } },
      '/_matrix/client/v3/account/whoami': 'hang',
    });
    const result = await run(['--base-url', baseUrl, '--token', 'secret-a', '--timeout', '200']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('timed out after 200 ms');
  });

  it('exits 2 when rooms cannot be created', async () => {
    const whoami = { status: 200, body: { user_id: '@alice:example.org' } };
    const baseUrl = await startRawServer({
      '/_matrix/client/versions': { status: 200, body: { versions: ['v1.19'] } },
      '/_matrix/client/v3/account/whoami': whoami,
    });
    const result = await run([
      '--base-url',
      baseUrl,
      '--token',
      'secret-a',
      '--token-b',
      'secret-b',
      '--user-b',
      '@bob:example.org',
      '--create-rooms',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--create-rooms failed: POST /_matrix/client/v3/createRoom as user A returned 404',
    );
    expect(result.stderr).toContain('--fixtures instead');
  });

  it('exits 0 and writes JUnit for a conforming server', async () => {
    const { double, baseUrl } = await startDouble();
    const out = join(folder, 'reports', 'conformance.xml');
    const result = await run([...fullRun(double, baseUrl), '--report', 'junit', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `${CHECK_IDS.length} checks: ${CHECK_IDS.length} passed, 0 failed, 0 skipped`,
    );

    const xml = readFileSync(out, 'utf8');
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' }).parse(
      xml,
    );
    const names = parsed.testsuites.testsuite.testcase.map(
      (testCase: { '@_name': string }) => testCase['@_name'],
    );
    expect(names).toEqual([...CHECK_IDS]);
    for (const secret of [double.userA.token, double.userB.token]) {
      expect(result.stdout).not.toContain(secret);
      expect(xml).not.toContain(secret);
    }
  });

  it('exits 1 when a check fails and redacts a token the server echoes', async () => {
    const { double, baseUrl } = await startDouble(new SelfUnknownDouble());
    const out = join(folder, 'self-unknown.json');
    const result = await run([...fullRun(double, baseUrl), '--report', 'json', '--out', out]);
    expect(result.code).toBe(1);

    const text = readFileSync(out, 'utf8');
    const report = JSON.parse(text) as Report;
    const self = report.checks.find((check) => check.id === 'params.self');
    expect(self?.status).toBe('fail');
    expect(self?.failures[0]?.actual).toContain('access token <redacted>');
    expect(text).not.toContain(double.userA.token);
    expect(result.stdout).not.toContain(double.userA.token);
    expect(result.stdout).toContain('FAIL  params.self');
  });

  it('runs only the checks named by --only', async () => {
    const { double, baseUrl } = await startDouble();
    const out = join(folder, 'only.json');
    const result = await run([
      '--base-url',
      baseUrl,
      '--token',
      double.userA.token,
      '--only',
      'auth,routing.wrong-method',
      '--report',
      'json',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.checks.map((check) => check.id)).toEqual([
      'auth.missing-token',
      'auth.unknown-token',
      'routing.wrong-method',
    ]);
  });

  it('reads users and rooms from --fixtures', async () => {
    const { double, baseUrl } = await startDouble();
    double.seed('!shared:double.test', { [double.userA.userId]: 'join', [double.userB.userId]: 'join' });
    double.seed('!knock:double.test', { [double.userA.userId]: 'join', [double.userB.userId]: 'knock' });

    const fixtures = join(folder, 'fixtures.yaml');
    writeFileSync(
      fixtures,
      [
        'users:',
        `  a: { userId: "${double.userA.userId}", accessToken: "${double.userA.token}" }`,
        `  b: { userId: "${double.userB.userId}" }`,
        'sharedRooms: ["!shared:double.test"]',
        'nonJoinRooms:',
        '  - { roomId: "!knock:double.test", a: join, b: knock }',
      ].join('\n'),
    );
    const out = join(folder, 'fixtures.json');
    const argv = ['--base-url', baseUrl, '--fixtures', fixtures, '--max-rps', '1000'];
    const result = await run([...argv, '--report', 'json', '--out', out]);
    expect(result.code).toBe(0);

    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const status = Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
    expect(status['membership.join-only']).toBe('pass');
    expect(status['membership.symmetric']).toBe('skip');
    expect(status['pagination.walk']).toBe('pass');
  });
});
