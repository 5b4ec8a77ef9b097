import { CHECKS } from './checks/index.js';
import type { CheckDefinition } from './checks/types.js';
import { ConformanceError } from './errors.js';
import { isUserId } from './matrix-ids.js';
import type { ConformanceOptions, Fixtures } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RPS = 20;
export const DEFAULT_BURST = 50;
export const MAX_BURST = 1000;

/** Options after defaults and checks, with fixture values merged in. */
export interface ResolvedOptions {
  readonly baseUrl: string;
  readonly tokenA: string;
  readonly tokenB?: string;
  readonly userA?: string;
  readonly userB?: string;
  readonly fixtures?: Fixtures;
  readonly createRooms: boolean;
  readonly rateLimit: boolean;
  readonly burst: number;
  readonly timeoutMs: number;
  readonly maxRps: number;
  readonly checks: readonly CheckDefinition[];
  readonly fetch: typeof fetch;
}

function usage(message: string): ConformanceError {
  return new ConformanceError('usage', message);
}

function requirePositive(name: string, value: number | undefined, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    const range = max === Infinity ? 'a number above 0' : `a number from 1 to ${max}`;
    throw usage(`${name} must be ${range}, got ${value}`);
  }
  return value;
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw usage(
      `--base-url must be an http or https URL such as https://matrix.example.org, got '${baseUrl}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(`--base-url must use http or https, got '${url.protocol}'`);
  }
  if (url.search || url.hash) throw usage(`--base-url must have no query or fragment, got '${baseUrl}'`);
  return baseUrl.replace(/\/+$/, '');
}

/** Selects the checks named by `only`: ids, or prefixes such as `auth` for every `auth.*` check. */
export function selectChecks(only: readonly string[] | undefined): readonly CheckDefinition[] {
  if (only === undefined || only.length === 0) return CHECKS;
  const names = only.map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0)
    throw usage('--only needs at least one check id, such as --only auth,pagination.walk');
  const unknown = names.filter(
    (name) => !CHECKS.some((check) => check.id === name || check.id.startsWith(`${name}.`)),
  );
  if (unknown.length > 0) {
    throw usage(
      `--only names unknown checks: ${unknown.join(', ')}; known checks: ${CHECKS.map((check) => check.id).join(', ')}`,
    );
  }
  return CHECKS.filter((check) => names.some((name) => check.id === name || check.id.startsWith(`${name}.`)));
}

/** Applies defaults and fixture values; throws a usage ConformanceError for invalid options. */
export function resolveOptions(options: ConformanceOptions): ResolvedOptions {
  const { fixtures } = options;
  const tokenA = options.token ?? fixtures?.users.a?.accessToken;
  if (!tokenA)
    throw usage(
      '--token is required: pass the access token of user A, or set users.a.accessToken in the fixture file',
    );
  const tokenB = options.tokenB ?? fixtures?.users.b?.accessToken;
  const userB = options.userB ?? fixtures?.users.b?.userId;
  if (userB !== undefined && !isUserId(userB)) {
    throw usage(`--user-b must be a user ID like @bob:example.org, got '${userB}'`);
  }
  if (tokenB !== undefined && tokenB === tokenA)
    throw usage('--token-b must be the token of another user than --token');
  if (options.createRooms && tokenB === undefined) {
    throw usage('--create-rooms needs --token-b: user B must accept invites and join rooms');
  }

  return {
    baseUrl: checkBaseUrl(options.baseUrl),
    tokenA,
    tokenB,
    userA: fixtures?.users.a?.userId,
    userB,
    fixtures,
    createRooms: options.createRooms ?? false,
    rateLimit: options.rateLimit ?? false,
    burst: Math.floor(requirePositive('--burst', options.burst, DEFAULT_BURST, MAX_BURST)),
    timeoutMs: requirePositive('--timeout', options.timeoutMs, DEFAULT_TIMEOUT_MS),
    maxRps: requirePositive('--max-rps', options.maxRps, DEFAULT_MAX_RPS),
    checks: selectChecks(options.only),
    fetch: options.fetch ?? fetch,
  };
}
