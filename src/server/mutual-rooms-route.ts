import type { RequestHandler } from 'express';
import type { paths } from '../../generated/schema.js';
import { matrixErrors } from '../matrix/errors.js';
import type { MembershipStore } from '../store/types.js';
import type { Authenticator } from './auth.js';
import { chooseCursor } from './keyset-cursor.js';
import {
  PaginationTokenError,
  signPaginationToken,
  type TokenBinding,
  verifyPaginationToken,
} from './pagination-token.js';
import { checkUserIdParam, type PaginationParam, readPaginationParam } from './query-params.js';
import type { RateLimiter } from './rate-limit-types.js';
import type { EndpointKind } from './routes.js';

type MutualRoomsBody = paths['/mutual_rooms']['get']['responses'][200]['content']['application/json'];

/**
 * The unstable path's body: the spec's body plus `next_batch_token`, which matrix-js-sdk 37 reads.
 * The 200 schema allows extra properties, so this body still passes the spec's response validation.
 */
type UnstableMutualRoomsBody = MutualRoomsBody & { next_batch_token?: string };

/** Dependencies and settings of the mutual rooms route. */
export interface MutualRoomsRouteOptions {
  /** The path this handler serves, which decides the names of the pagination fields; default stable. */
  readonly kind?: EndpointKind;
  readonly store: MembershipStore;
  readonly auth: Authenticator;
  readonly rateLimiter: RateLimiter;
  readonly secret: Buffer;
  readonly pageSize: number;
  readonly tokenTtlSeconds: number;
  readonly now: () => number;
}

/**
 * Handles `GET /mutual_rooms` (MSC2666): rooms where both the requester and `user_id` have
 * membership `join`, in room ID order, one page at a time. It checks the query itself, so its
 * responses stay the same with the OpenAPI validator off. With the validator on, these checks
 * find nothing that the validator has not already rejected.
 */
export function mutualRoomsRoute(options: MutualRoomsRouteOptions): RequestHandler {
  const kind = options.kind ?? 'stable';
  return async (req, res) => {
    // Authentication, then the query's form, then the rate limit: the validator's order.
    const requester = await options.auth.requesterOf(req);
    const checked = checkUserIdParam(req);
    if ('error' in checked) throw checked.error;
    const from = readPaginationParam(req, kind);
    await enforceRateLimit(options.rateLimiter, requester);

    const { userId } = checked;
    if (userId === requester) {
      throw matrixErrors.invalidParam(
        'Query parameter user_id is your own user ID; give the ID of another user',
      );
    }
    const binding = { requester, userId };
    const after = from === undefined ? undefined : verifyFrom(from, binding, options);

    // Fetching one room more than a page shows whether a next page exists and where it starts.
    const page = await options.store.mutualRooms(requester, userId, { after, limit: options.pageSize + 1 });
    const body: UnstableMutualRoomsBody = {
      joined: page.roomIds.slice(0, options.pageSize),
      count: page.count,
    };
    const next = page.roomIds[options.pageSize];
    if (next !== undefined) {
      body.next_batch = nextBatch(body.joined, next, binding, options);
      if (kind === 'unstable') body.next_batch_token = body.next_batch;
    }
    res.json(body);
  };
}

async function enforceRateLimit(rateLimiter: RateLimiter, userId: string): Promise<void> {
  const decision = await rateLimiter.consume(userId);
  if (!decision.allowed) throw matrixErrors.limitExceeded(decision.retryAfterMs);
}

function verifyFrom(from: PaginationParam, binding: TokenBinding, options: MutualRoomsRouteOptions): string {
  try {
    return verifyPaginationToken(from.token, binding, tokenOptions(options));
  } catch (error) {
    if (!(error instanceof PaginationTokenError)) throw error;
    const state =
      error.reason === 'expired' ? 'has expired' : 'is not a next_batch token issued for this user_id';
    throw matrixErrors.invalidParam(
      `Query parameter ${from.name} ${state}; request the first page again without ${from.name}`,
    );
  }
}

function nextBatch(
  joined: readonly string[],
  next: string,
  binding: TokenBinding,
  options: MutualRoomsRouteOptions,
) {
  const last = joined.at(-1);
  const cursor = last === undefined ? undefined : chooseCursor(last, next);
  if (cursor === undefined) {
    // NOTE: reached only when two adjacent room IDs share a prefix longer than a token can carry.
    throw new Error(`no pagination cursor fits between room IDs ${last} and ${next}`);
  }
  return signPaginationToken(cursor, binding, tokenOptions(options));
}

function tokenOptions(options: MutualRoomsRouteOptions) {
  return { secret: options.secret, ttlSeconds: options.tokenTtlSeconds, now: options.now() };
}
