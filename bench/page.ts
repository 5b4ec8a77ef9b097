/**
 * The mutual-rooms work without a web framework: access token lookup, `from` token check, store
 * query and `next_batch` signing, with the same pagination rules and token format as the Express
 * server. The bare `node:http` and Fastify variants of the benchmark share it, so they differ from
 * the Express server only in framework and validation.
 */
import type { paths } from '../generated/schema.js';
import { MatrixError, matrixErrors } from '../src/matrix/errors.js';
import { hashAccessToken } from '../src/server/access-tokens.js';
import { chooseCursor } from '../src/server/keyset-cursor.js';
import {
  PaginationTokenError,
  type PaginationTokenOptions,
  signPaginationToken,
  type TokenBinding,
  verifyPaginationToken,
} from '../src/server/pagination-token.js';
import type { MembershipStore } from '../src/store/types.js';

export type MutualRoomsBody = paths['/mutual_rooms']['get']['responses'][200]['content']['application/json'];

/** Settings shared by every server variant of one benchmark run. */
export interface PageConfig {
  /** HMAC key for `next_batch` tokens, at least 32 bytes. */
  readonly secret: Buffer;
  readonly pageSize: number;
  readonly tokenTtlSeconds: number;
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Returns the user of a `Bearer` Authorization header or an `access_token` query value; throws
 * M_MISSING_TOKEN or M_UNKNOWN_TOKEN otherwise.
 */
export async function authenticate(
  store: MembershipStore,
  authorization: string | undefined,
  queryToken: string | undefined,
): Promise<string> {
  const token = authorization === undefined ? queryToken : BEARER.exec(authorization)?.[1];
  if (token === undefined || token === '') {
    throw matrixErrors.missingToken(
      'Missing access token: send the header "Authorization: Bearer <access token>"',
    );
  }
  const userId = await store.findUserByTokenHash(hashAccessToken(token));
  if (userId === undefined) throw matrixErrors.unknownToken();
  return userId;
}

/** Returns one page of the rooms `requester` and `userId` have both joined, after the `from` token. */
export async function mutualRoomsPage(
  store: MembershipStore,
  config: PageConfig,
  request: { readonly requester: string; readonly userId: string; readonly from: string | undefined },
): Promise<MutualRoomsBody> {
  const { requester, userId, from } = request;
  if (userId === requester) {
    throw matrixErrors.invalidParam(
      'Query parameter user_id is your own user ID; give the ID of another user',
    );
  }
  const binding: TokenBinding = { requester, userId };
  const tokenOptions: PaginationTokenOptions = {
    secret: config.secret,
    ttlSeconds: config.tokenTtlSeconds,
    now: Date.now(),
  };
  const after = from === undefined ? undefined : readFromToken(from, binding, tokenOptions);

  // One room more than a page shows whether a next page exists and where it starts.
  const page = await store.mutualRooms(requester, userId, { after, limit: config.pageSize + 1 });
  const joined = page.roomIds.slice(0, config.pageSize);
  const body: MutualRoomsBody = { joined, count: page.count };
  const next = page.roomIds[config.pageSize];
  const last = joined.at(-1);
  if (next !== undefined && last !== undefined) {
    const cursor = chooseCursor(last, next);
    if (cursor === undefined)
      throw new Error(`no pagination cursor fits between room IDs ${last} and ${next}`);
    body.next_batch = signPaginationToken(cursor, binding, tokenOptions);
  }
  return body;
}

function readFromToken(token: string, binding: TokenBinding, options: PaginationTokenOptions): string {
  try {
    return verifyPaginationToken(token, binding, options);
  } catch (error) {
    if (!(error instanceof PaginationTokenError)) throw error;
    throw matrixErrors.invalidParam(
      `Query parameter from is ${error.reason}; request the first page without from`,
    );
  }
}

/** Returns the HTTP status and Matrix error body for a failure; unexpected errors become 500 M_UNKNOWN. */
export function errorResponse(error: unknown): { status: number; body: object } {
  const matrixError = error instanceof MatrixError ? error : matrixErrors.unknown(error);
  return { status: matrixError.status, body: matrixError.toBody() };
}
