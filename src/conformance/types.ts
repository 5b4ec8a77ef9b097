import type { Membership } from '../store/types.js';

/** The stable ids of the conformance checks, in the order they run. */
export const CHECK_IDS = [
  'versions.flags',
  'auth.missing-token',
  'auth.unknown-token',
  'params.missing-user-id',
  'params.self',
  'params.malformed-user-id',
  'unknown-user.empty',
  'pagination.walk',
  'pagination.invalid-token',
  'membership.join-only',
  'membership.symmetric',
  'cors.preflight',
  'cors.headers',
  'routing.unknown-endpoint',
  'routing.wrong-method',
  'rate-limit.429',
  'schema.responses',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One way in which a response differed from what the spec requires. */
export interface Failure {
  /** The case within the check, such as `empty localpart`; absent when the check has one case. */
  readonly case?: string;
  readonly expected: string;
  readonly actual: string;
}

/** The result of one check. Every string in it has the access tokens redacted. */
export interface CheckResult {
  readonly id: CheckId;
  readonly description: string;
  readonly status: CheckStatus;
  /** The reason the check did not run, present only when `status` is `skip`. */
  readonly reason?: string;
  /** Empty unless `status` is `fail`. */
  readonly failures: readonly Failure[];
  /** Facts worth knowing that are not failures, such as a case that could not run. */
  readonly notes: readonly string[];
  /** HTTP requests this check sent, retries included. */
  readonly requests: number;
  readonly durationMs: number;
}

/** The outcome of a whole run, as `--report json` writes it. */
export interface Report {
  readonly tool: 'mutual-rooms conformance';
  /** The Matrix spec version the checks follow. */
  readonly specVersion: 'v1.19';
  readonly baseUrl: string;
  /** ISO 8601 time at which the run started. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** HTTP requests sent in the whole run, room set-up and clean-up included. */
  readonly requests: number;
  readonly summary: {
    readonly total: number;
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
  };
  readonly checks: readonly CheckResult[];
  /** Problems outside the checks, such as a room that could not be left after `createRooms`. */
  readonly warnings: readonly string[];
}

/** A user named in a fixture file. */
export interface FixtureUser {
  readonly userId: string;
  readonly accessToken?: string;
}

/** A room in which at least one of the two users has a membership other than `join`. */
export interface NonJoinRoom {
  readonly roomId: string;
  readonly a: Membership;
  readonly b: Membership;
}

/** The users and rooms a server was prepared with, for servers where rooms cannot be created. */
export interface Fixtures {
  readonly users: { readonly a?: FixtureUser; readonly b?: FixtureUser };
  /** Rooms that users A and B have both joined. Other shared rooms may exist as well. */
  readonly sharedRooms: readonly string[];
  readonly nonJoinRooms: readonly NonJoinRoom[];
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** The homeserver's base URL, such as `https://matrix.example.org`. */
  readonly baseUrl: string;
  /** Access token of user A. Required unless `fixtures.users.a.accessToken` is set. */
  readonly token?: string;
  /** Access token of user B. */
  readonly tokenB?: string;
  /** User ID of user B; looked up with `whoami` from `tokenB` when absent. */
  readonly userB?: string;
  readonly fixtures?: Fixtures;
  /** Create the rooms for the membership checks through the Client-Server API, and leave them. */
  readonly createRooms?: boolean;
  /** Run `rate-limit.429`, which sends a burst of `burst` requests. */
  readonly rateLimit?: boolean;
  /** Requests in the `rate-limit.429` burst; default 50, at most 1000. */
  readonly burst?: number;
  /** Timeout of each request in milliseconds; default 10000. */
  readonly timeoutMs?: number;
  /** Maximum requests per second outside the rate-limit burst; default 20. */
  readonly maxRps?: number;
  /** Check ids or id prefixes (`auth` selects `auth.*`) to run; all checks when absent. */
  readonly only?: readonly string[];
  /** The fetch implementation; the global `fetch` when absent. */
  readonly fetch?: typeof fetch;
}
