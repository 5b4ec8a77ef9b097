import { CHECKS } from './checks/index.js';
import type { CheckDefinition, CheckOutcome } from './checks/types.js';
import { ConformanceError, RequestError } from './errors.js';
import { ConformanceClient, describeResponse, sendDuringSetup } from './http.js';
import { isUserId, serverNameOf } from './matrix-ids.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { RequestPacer } from './pacer.js';
import { createRedactor, type Redactor } from './redact.js';
import { RoomBuilder } from './scenario.js';
import { basePathOf, compileValidators, loadSpec } from './schema.js';
import { type Scenario, Session } from './session.js';
import type { CheckResult, ConformanceOptions, Report } from './types.js';

/** The path of the operation in `generated/openapi.json`, below the base path. */
const SPEC_PATH = '/mutual_rooms';
const WHOAMI_PATH = '/_matrix/client/v3/account/whoami';

/** Lists every check id with its one-line description, in the order the checks run. */
export function listChecks(): ReadonlyArray<{ id: string; description: string }> {
  return CHECKS.map(({ id, description }) => ({ id, description }));
}

/**
 * Runs the selected checks against a homeserver and returns the report. Rejects with a
 * ConformanceError (`usage` or `unreachable`) when the run cannot start; failed checks are
 * reported, not thrown. Access tokens are redacted from the report and from error messages.
 */
export async function runConformance(options: ConformanceOptions): Promise<Report> {
  const users = options.fixtures?.users;
  const redact = createRedactor([
    options.token,
    options.tokenB,
    users?.a?.accessToken,
    users?.b?.accessToken,
  ]);
  try {
    return await run(resolveOptions(options), redact);
  } catch (error) {
    if (error instanceof Error) error.message = redact(error.message);
    throw error;
  }
}

async function run(options: ResolvedOptions, redact: Redactor): Promise<Report> {
  const startedAt = new Date();
  const started = performance.now();
  const spec = loadSpec();
  const basePath = basePathOf(spec);
  const client = new ConformanceClient({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    pacer: new RequestPacer(options.maxRps),
    redact,
  });
  const warnings: string[] = [];

  await checkReachable(client, options.baseUrl);
  const { userA, userB } = await resolveUsers(client, options, warnings);

  let builder: RoomBuilder | undefined;
  let scenario: Scenario | undefined = scenarioFromFixtures(options);
  const results: CheckResult[] = [];
  const schemaCheck = options.checks.find((check) => check.id === 'schema.responses');
  let session: Session | undefined;
  try {
    if (options.createRooms) {
      builder = createBuilder(client, options, userA, userB);
      scenario = await builder.build();
    }
    session = new Session({
      client,
      validators: compileValidators(spec),
      stablePath: `${basePath}${SPEC_PATH}`,
      basePath,
      tokenA: options.tokenA,
      tokenB: options.tokenB,
      userA,
      userB,
      serverName: serverNameOf(userA ?? userB ?? '') ?? new URL(options.baseUrl).host,
      scenario,
      rateLimit: options.rateLimit,
      burst: options.burst,
    });
    for (const check of options.checks) {
      if (check !== schemaCheck) results.push(await runCheck(check, session, redact));
    }
  } finally {
    client.source = 'cleanup';
    if (builder) warnings.push(...(await builder.cleanUp()));
  }

  // Runs last, so that it also validates the responses to room clean-up.
  if (schemaCheck) results.push(await runCheck(schemaCheck, session, redact));

  return buildReport(
    options.baseUrl,
    startedAt,
    Math.round(performance.now() - started),
    client.requestCount,
    {
      results,
      warnings: warnings.map(redact),
    },
  );
}

function buildReport(
  baseUrl: string,
  startedAt: Date,
  durationMs: number,
  requests: number,
  { results, warnings }: { results: CheckResult[]; warnings: string[] },
): Report {
  const count = (status: CheckResult['status']) =>
    results.filter((result) => result.status === status).length;
  return {
    tool: 'mutual-rooms conformance',
    specVersion: 'v1.19',
    baseUrl,
    startedAt: startedAt.toISOString(),
    durationMs,
    requests,
    summary: { total: results.length, passed: count('pass'), failed: count('fail'), skipped: count('skip') },
    checks: results,
    warnings,
  };
}

/** Finds the user IDs of A and B from the options, else with whoami; B stays unknown without a token. */
async function resolveUsers(
  client: ConformanceClient,
  options: ResolvedOptions,
  warnings: string[],
): Promise<{ userA?: string; userB?: string }> {
  const userA = options.userA ?? (await whoami(client, options.tokenA, 'A', warnings));
  let userB = options.userB;
  if (userB === undefined && options.tokenB !== undefined)
    userB = await whoami(client, options.tokenB, 'B', warnings);

  if (userA !== undefined && userA === userB) {
    throw new ConformanceError('usage', `users A and B are both ${userA}; user B must be another user`);
  }
  return { userA, userB };
}

async function checkReachable(client: ConformanceClient, baseUrl: string): Promise<void> {
  try {
    await client.send({ path: '/_matrix/client/versions' });
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    throw new ConformanceError(
      'unreachable',
      `cannot reach ${baseUrl}: ${error.message}; check --base-url and that the server is running`,
      { cause: error },
    );
  }
}

/**
 * Looks up a token's user ID. A 401 means the token is wrong, so it throws a usage error. Any
 * other failure leaves the ID unknown, and the checks that need it are skipped.
 */
async function whoami(
  client: ConformanceClient,
  token: string,
  user: 'A' | 'B',
  warnings: string[],
): Promise<string | undefined> {
  const exchange = await sendDuringSetup(client, { path: WHOAMI_PATH, token });
  if (exchange.status === 401) {
    const option = user === 'A' ? '--token' : '--token-b';
    throw new ConformanceError(
      'usage',
      `the server rejected ${option}: GET ${WHOAMI_PATH} returned ${describeResponse(exchange)}; pass a valid access token of user ${user}`,
    );
  }
  const userId = (exchange.json as { user_id?: unknown } | undefined)?.user_id;
  if (exchange.status === 200 && typeof userId === 'string' && isUserId(userId)) return userId;
  warnings.push(
    `GET ${WHOAMI_PATH} for user ${user} returned ${describeResponse(exchange)}, so user ${user}'s ID is unknown; set users.${user.toLowerCase()}.userId in a fixture file`,
  );
  return undefined;
}

function scenarioFromFixtures(options: ResolvedOptions): Scenario | undefined {
  const fixtures = options.fixtures;
  if (!fixtures || (fixtures.sharedRooms.length === 0 && fixtures.nonJoinRooms.length === 0))
    return undefined;
  return { origin: 'fixtures', sharedRooms: fixtures.sharedRooms, nonJoinRooms: fixtures.nonJoinRooms };
}

function createBuilder(
  client: ConformanceClient,
  options: ResolvedOptions,
  userA: string | undefined,
  userB: string | undefined,
): RoomBuilder {
  if (userA === undefined || userB === undefined || options.tokenB === undefined) {
    throw new ConformanceError(
      'usage',
      '--create-rooms needs the user IDs of A and B: whoami failed, so pass them in a fixture file',
    );
  }
  return new RoomBuilder(client, { userA, tokenA: options.tokenA, userB, tokenB: options.tokenB });
}

async function runCheck(
  check: CheckDefinition,
  session: Session | undefined,
  redact: Redactor,
): Promise<CheckResult> {
  const started = performance.now();
  const client = session?.client;
  const requestsBefore = client?.requestCount ?? 0;
  if (client) client.source = check.id;

  let outcome: CheckOutcome;
  try {
    outcome = session
      ? await check.run(session)
      : { status: 'skip', reason: 'the run stopped before the checks' };
  } catch (error) {
    const expected = error instanceof RequestError ? 'an HTTP response' : 'no error inside the checker';
    outcome = { status: 'fail', failures: [{ expected, actual: (error as Error).message }] };
  }

  const failures = outcome.status === 'fail' ? outcome.failures : [];
  const notes = outcome.status === 'skip' ? [] : (outcome.notes ?? []);
  return {
    id: check.id,
    description: check.description,
    status: outcome.status,
    ...(outcome.status === 'skip' ? { reason: redact(outcome.reason) } : {}),
    failures: failures.map((failure) => ({
      ...(failure.case === undefined ? {} : { case: redact(failure.case) }),
      expected: redact(failure.expected),
      actual: redact(failure.actual),
    })),
    notes: notes.map(redact),
    requests: (client?.requestCount ?? 0) - requestsBefore,
    durationMs: Math.round(performance.now() - started),
  };
}
