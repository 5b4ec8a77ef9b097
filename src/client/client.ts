import type { paths } from 'mutual-rooms/types';
import createClient from 'openapi-fetch';
import { selectEndpoint } from './discovery.js';
import {
  type HomeserverPaths,
  type MutualRoomsEndpoint,
  type MutualRoomsResponse,
  STABLE_BASE_PATH,
  STABLE_ENDPOINT,
  STABLE_OPERATION_PATH,
  UNSTABLE_PATH,
  VERSIONS_PATH,
} from './endpoints.js';
import { PaginationLoopError } from './errors.js';
import { createAuthMiddleware, createResponseMiddleware } from './middleware.js';
import { type MutualRoomsClientOptions, resolveOptions } from './options.js';
import { checkStableBody, checkUnstableBody, checkVersionsBody } from './responses.js';
import { sendWithRetry } from './retry.js';

/** Per-call options. */
export interface RequestOptions {
  /** Aborts the request, including discovery and any wait before a retry. */
  signal?: AbortSignal;
}

export interface GetMutualRoomsOptions extends RequestOptions {
  /** The `next_batch` token of the previous page. */
  from?: string;
}

/** All pages of a listing. */
export interface MutualRoomsList {
  /** Room IDs in the order the server returned them, each once. */
  joined: string[];
  /** The number of room IDs in `joined`. */
  count: number;
}

/** A typed client of the Matrix Mutual Rooms API (MSC2666, stable in Matrix v1.19). */
export interface MutualRoomsClient {
  /**
   * Fetches one page of the rooms the caller shares with `userId`.
   * @throws MatrixError for a status other than 2xx, after retries for HTTP 429.
   * @throws MatrixNetworkError when no complete response arrives.
   * @throws InvalidResponseError for a 2xx body that is not the object the spec defines.
   * @throws UnsupportedServerError when discovery finds no Mutual Rooms endpoint.
   */
  getMutualRooms(userId: string, options?: GetMutualRoomsOptions): Promise<MutualRoomsResponse>;

  /**
   * Yields the room IDs of every page, each once, fetching the next page when needed.
   * @throws PaginationLoopError when the server returns a `next_batch` token a second time,
   * and every error of `getMutualRooms`.
   */
  iterateMutualRooms(userId: string, options?: RequestOptions): AsyncGenerator<string, void, undefined>;

  /** Collects the room IDs of every page. Throws the errors of `iterateMutualRooms`. */
  listMutualRooms(userId: string, options?: RequestOptions): Promise<MutualRoomsList>;

  /**
   * Returns the endpoint this client calls, asking the server on the first call when discovery
   * is on. The client caches a successful result for its lifetime, but not an error.
   */
  discover(options?: RequestOptions): Promise<MutualRoomsEndpoint>;
}

/** Creates a Mutual Rooms client for one homeserver and access token. */
export function createMutualRoomsClient(options: MutualRoomsClientOptions): MutualRoomsClient {
  const settings = resolveOptions(options);
  const fetchOption = settings.fetch === undefined ? {} : { fetch: settings.fetch };
  const auth = createAuthMiddleware(settings.accessToken, settings.tokenIn);

  // The stable endpoint is under the spec's base path, while versions and the unstable endpoint are not.
  const stable = createClient<paths>({ ...fetchOption, baseUrl: settings.baseUrl + STABLE_BASE_PATH });
  stable.use(auth, createResponseMiddleware({ [STABLE_OPERATION_PATH]: checkStableBody }));
  const homeserver = createClient<HomeserverPaths>({ ...fetchOption, baseUrl: settings.baseUrl });
  homeserver.use(
    auth,
    createResponseMiddleware({ [VERSIONS_PATH]: checkVersionsBody, [UNSTABLE_PATH]: checkUnstableBody }),
  );

  let endpoint: MutualRoomsEndpoint | undefined = settings.discovery ? undefined : STABLE_ENDPOINT;

  async function discover(requestOptions: RequestOptions = {}): Promise<MutualRoomsEndpoint> {
    if (endpoint !== undefined) {
      return endpoint;
    }

    const { signal } = requestOptions;
    const result = await sendWithRetry(
      () => homeserver.GET(VERSIONS_PATH, { signal }),
      settings.retry,
      signal,
    );
    endpoint = selectEndpoint(requireData(result.data), settings.baseUrl);
    return endpoint;
  }

  async function getMutualRooms(
    userId: string,
    requestOptions: GetMutualRoomsOptions = {},
  ): Promise<MutualRoomsResponse> {
    const { from, signal } = requestOptions;
    const target = await discover({ signal });
    const init = {
      params: { query: from === undefined ? { user_id: userId } : { user_id: userId, from } },
      signal,
    };
    const send = () =>
      target.kind === 'stable'
        ? stable.GET(STABLE_OPERATION_PATH, init)
        : homeserver.GET(UNSTABLE_PATH, init);
    const result = await sendWithRetry(send, settings.retry, signal);
    return requireData(result.data);
  }

  async function* iterateMutualRooms(
    userId: string,
    requestOptions: RequestOptions = {},
  ): AsyncGenerator<string, void, undefined> {
    const seenTokens = new Set<string>();
    const seenRooms = new Set<string>();
    let from: string | undefined;

    for (let page = 1; ; page++) {
      const body = await getMutualRooms(userId, { from, signal: requestOptions.signal });
      for (const roomId of body.joined) {
        if (!seenRooms.has(roomId)) {
          seenRooms.add(roomId);
          yield roomId;
        }
      }

      if (body.next_batch === undefined) {
        return;
      }
      if (seenTokens.has(body.next_batch)) {
        throw new PaginationLoopError(userId, body.next_batch, page);
      }
      seenTokens.add(body.next_batch);
      from = body.next_batch;
    }
  }

  async function listMutualRooms(
    userId: string,
    requestOptions: RequestOptions = {},
  ): Promise<MutualRoomsList> {
    const joined: string[] = [];
    for await (const roomId of iterateMutualRooms(userId, requestOptions)) {
      joined.push(roomId);
    }
    return { joined, count: joined.length };
  }

  return { getMutualRooms, iterateMutualRooms, listMutualRooms, discover };
}

/** Returns `data`, which the response middleware guarantees by throwing for every response without a checked body. */
function requireData<T>(data: T | undefined): T {
  if (data === undefined) {
    throw new Error('openapi-fetch returned no body for a 2xx response that the response middleware checked');
  }
  return data;
}
