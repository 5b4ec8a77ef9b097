import { afterEach, describe, expect, it } from 'vitest';
import {
  type CheckId,
  ConformanceError,
  type ConformanceOptions,
  type Report,
  runConformance,
} from '../../src/conformance/index.js';
import {
  EndlessPagesDouble,
  FrameworkNotFoundDouble,
  InviteCountedDouble,
  LongTokenDouble,
  NoCorsDouble,
  PageCountDouble,
  RateLimitWithoutDelayDouble,
  RepeatedTokenDouble,
  RoomIdTokenDouble,
  SelfUnknownDouble,
  SelfUnprocessableDouble,
  UnauthorizedWithoutErrcodeDouble,
  UnknownUserNotFoundDouble,
  UnroutedUnstableFlagDouble,
} from './doubles/defects.js';
import { HomeserverDouble, matrixError, type Reply } from './doubles/homeserver.js';

const started: HomeserverDouble[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((double) => double.close()));
});

/** Starts a double and runs every check against it, rooms created and rate limit included. */
async function check(double: HomeserverDouble, extra: Partial<ConformanceOptions> = {}): Promise<Report> {
  started.push(double);
  const baseUrl = await double.start();
  return runConformance({
    baseUrl,
    token: double.userA.token,
    tokenB: double.userB.token,
    createRooms: true,
    rateLimit: true,
    maxRps: 1000,
    timeoutMs: 5000,
    ...extra,
  });
}

function idsWith(report: Report, status: 'pass' | 'fail' | 'skip'): CheckId[] {
  return report.checks.filter((result) => result.status === status).map((result) => result.id);
}

describe('conformance checker against a conforming double', () => {
  it('passes every check', async () => {
    const report = await check(new HomeserverDouble());
    expect(idsWith(report, 'fail')).toEqual([]);
    expect(idsWith(report, 'skip')).toEqual([]);
    expect(report.summary.passed).toBe(report.checks.length);
    expect(report.warnings).toEqual([]);
  });

  it('leaves every room it created', async () => {
    const double = new HomeserverDouble();
    await check(double);
    const memberships = [...double.rooms.values()].flatMap((members) => [...members.values()]);
    expect(memberships.length).toBeGreaterThan(0);
    expect(memberships.every((membership) => membership === 'leave')).toBe(true);
  });

  it('walks several pages and tampers with a real token', async () => {
    const report = await check(new HomeserverDouble());
    const walk = report.checks.find((result) => result.id === 'pagination.walk');
    const invalid = report.checks.find((result) => result.id === 'pagination.invalid-token');
    expect(walk?.notes).toContain('2 pages, 3 rooms');
    expect(invalid?.notes).toEqual([]);
  });
});

// Each double reproduces one defect seen in real servers; the checker must fail exactly these checks.
const DEFECTS: ReadonlyArray<{ name: string; double: () => HomeserverDouble; fails: CheckId[] }> = [
  {
    name: 'self request answered with M_UNKNOWN',
    double: () => new SelfUnknownDouble(),
    fails: ['params.self'],
  },
  {
    name: 'self request answered with 422',
    double: () => new SelfUnprocessableDouble(),
    fails: ['params.self'],
  },
  { name: 'next_batch that never ends', double: () => new EndlessPagesDouble(), fails: ['pagination.walk'] },
  { name: 'next_batch that repeats', double: () => new RepeatedTokenDouble(), fails: ['pagination.walk'] },
  { name: 'tokens containing !', double: () => new RoomIdTokenDouble(), fails: ['pagination.walk'] },
  { name: 'tokens over 255 characters', double: () => new LongTokenDouble(), fails: ['pagination.walk'] },
  {
    name: 'invited room counted as mutual',
    double: () => new InviteCountedDouble(),
    fails: ['membership.join-only'],
  },
  { name: 'count different from the total', double: () => new PageCountDouble(), fails: ['pagination.walk'] },
  {
    name: 'unknown user answered with 404',
    double: () => new UnknownUserNotFoundDouble(),
    fails: ['unknown-user.empty'],
  },
  {
    name: '401 without errcode',
    double: () => new UnauthorizedWithoutErrcodeDouble(),
    fails: ['auth.missing-token', 'auth.unknown-token', 'schema.responses'],
  },
  { name: 'no CORS headers', double: () => new NoCorsDouble(), fails: ['cors.preflight', 'cors.headers'] },
  {
    name: 'unstable flag for an unrouted path',
    double: () => new UnroutedUnstableFlagDouble(),
    fails: ['versions.flags'],
  },
  {
    name: 'HTML 404 for unknown paths and methods',
    double: () => new FrameworkNotFoundDouble(),
    fails: ['routing.unknown-endpoint', 'routing.wrong-method', 'schema.responses'],
  },
  { name: '429 without a delay', double: () => new RateLimitWithoutDelayDouble(), fails: ['rate-limit.429'] },
];

describe('conformance checker against defective doubles', () => {
  it.each(DEFECTS)('reports $name', async ({ double, fails }) => {
    const report = await check(double());
    expect(idsWith(report, 'fail')).toEqual(fails);
    expect(idsWith(report, 'skip')).toEqual([]);
  });
});

/** Fails the leave requests whose 1-based numbers are in `failing`. */
class FailingLeaveDouble extends HomeserverDouble {
  private leaves = 0;

  constructor(private readonly failing: readonly number[]) {
    super();
  }

  protected override intercept(method: string, path: string): Reply | undefined {
    if (method !== 'POST' || !path.endsWith('/leave')) return undefined;
    this.leaves++;
    return this.failing.includes(this.leaves) ? matrixError(500, 'M_UNKNOWN', 'leave failed') : undefined;
  }
}

describe('conformance checker with --create-rooms', () => {
  it('leaves the rooms it created when creating the others fails', async () => {
    // The first leave is B leaving a room while the rooms are created.
    const double = new FailingLeaveDouble([1]);
    const error = await check(double).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConformanceError);
    expect((error as ConformanceError).message).toContain(
      '--create-rooms failed: POST /_matrix/client/v3/rooms/',
    );
    const memberships = [...double.rooms.values()].flatMap((members) => [...members.values()]);
    expect(memberships.length).toBeGreaterThan(0);
    expect(memberships.every((membership) => membership === 'leave')).toBe(true);
  });

  it('warns about a room it could not leave', async () => {
    const report = await check(new FailingLeaveDouble([2]));
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(
      /^could not leave room !room\d+:double\.test as user [AB]: POST .* returned 500/,
    );
    expect(idsWith(report, 'fail')).toEqual([]);
  });
});

describe('conformance checker with fixtures', () => {
  function seedRooms(double: HomeserverDouble): void {
    const { userA, userB } = double;
    double.seed('!shared1:double.test', { [userA.userId]: 'join', [userB.userId]: 'join' });
    double.seed('!shared2:double.test', { [userA.userId]: 'join', [userB.userId]: 'join' });
    double.seed('!shared3:double.test', { [userA.userId]: 'join', [userB.userId]: 'join' });
    double.seed('!invited:double.test', { [userA.userId]: 'join', [userB.userId]: 'invite' });
    double.seed('!banned:double.test', { [userA.userId]: 'ban', [userB.userId]: 'join' });
  }

  function fixturesOf(double: HomeserverDouble): ConformanceOptions['fixtures'] {
    return {
      users: { a: { userId: double.userA.userId }, b: { userId: double.userB.userId } },
      sharedRooms: ['!shared1:double.test', '!shared2:double.test', '!shared3:double.test'],
      nonJoinRooms: [
        { roomId: '!invited:double.test', a: 'join', b: 'invite' },
        { roomId: '!banned:double.test', a: 'ban', b: 'join' },
      ],
    };
  }

  it('passes the membership check without token B', async () => {
    const double = new HomeserverDouble();
    seedRooms(double);
    const report = await check(double, {
      tokenB: undefined,
      createRooms: false,
      fixtures: fixturesOf(double),
    });
    expect(idsWith(report, 'fail')).toEqual([]);
    expect(idsWith(report, 'skip')).toEqual(['membership.symmetric']);
  });

  it('reports an invited room listed as mutual', async () => {
    const double = new InviteCountedDouble();
    seedRooms(double);
    const report = await check(double, {
      tokenB: undefined,
      createRooms: false,
      fixtures: fixturesOf(double),
    });
    expect(idsWith(report, 'fail')).toEqual(['membership.join-only']);
    const failure = report.checks.find((result) => result.id === 'membership.join-only')?.failures;
    expect(failure).toEqual([
      { case: '!invited:double.test (A join, B invite)', expected: 'not listed', actual: 'listed' },
    ]);
  });

  it('skips the membership and pagination checks without user B', async () => {
    const report = await check(new HomeserverDouble(), { tokenB: undefined, createRooms: false });
    expect(idsWith(report, 'skip')).toEqual([
      'pagination.walk',
      'membership.join-only',
      'membership.symmetric',
    ]);
    expect(idsWith(report, 'fail')).toEqual([]);
  });
});
