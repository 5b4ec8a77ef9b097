import type { operations, paths } from 'mutual-rooms/types';
import openapi from '../../generated/openapi.json' with { type: 'json' };

/** The 200 body of the Mutual Rooms endpoint, as the spec defines it. */
export type MutualRoomsResponse =
  operations['getMutualRooms']['responses'][200]['content']['application/json'];

/** The 200 body of `GET /_matrix/client/versions` (Matrix Client-Server API v1.19). */
export interface VersionsResponse {
  versions: string[];
  unstable_features?: Record<string, boolean>;
}

/** Path of the spec versions endpoint, relative to the homeserver base URL. */
export const VERSIONS_PATH = '/_matrix/client/versions';

/** MSC2666 unstable path that takes `user_id` as a query parameter. */
export const UNSTABLE_PATH = '/_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms';

/** Unstable feature flag: the server routes {@link UNSTABLE_PATH}. */
export const UNSTABLE_FEATURE = 'uk.half-shot.msc2666.query_mutual_rooms';

/** Unstable feature flag: the server routes the stable endpoint before advertising v1.19. */
export const STABLE_FEATURE = 'uk.half-shot.msc2666.query_mutual_rooms.stable';

/** The first spec version with the stable endpoint. */
export const STABLE_SINCE = { major: 1, minor: 19 } as const;

/** Path of the stable endpoint in the spec, below the base path. */
export const STABLE_OPERATION_PATH = '/mutual_rooms' satisfies keyof paths;

/** Base path of the stable endpoint: the default of the `basePath` variable of the spec's first server. */
export const STABLE_BASE_PATH: string = readBasePath();

/** The Mutual Rooms endpoint a client calls, with its path from the homeserver base URL. */
export interface MutualRoomsEndpoint {
  readonly kind: 'stable' | 'unstable';
  readonly path: string;
}

export const STABLE_ENDPOINT: MutualRoomsEndpoint = {
  kind: 'stable',
  path: `${STABLE_BASE_PATH}${STABLE_OPERATION_PATH}`,
};
export const UNSTABLE_ENDPOINT: MutualRoomsEndpoint = { kind: 'unstable', path: UNSTABLE_PATH };

/** Paths this client calls outside the spec's base path, for the openapi-fetch client of the homeserver root. */
export interface HomeserverPaths {
  [VERSIONS_PATH]: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: {
        200: { headers: { [name: string]: unknown }; content: { 'application/json': VersionsResponse } };
      };
    };
  };
  // The unstable endpoint takes the same query. The response middleware converts its body to the
  // stable shape before openapi-fetch returns it.
  [UNSTABLE_PATH]: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: operations['getMutualRooms'];
  };
}

function readBasePath(): string {
  const basePath = openapi.servers[0]?.variables.basePath.default;
  if (typeof basePath !== 'string' || !basePath.startsWith('/')) {
    throw new Error(
      'generated/openapi.json has no servers[0].variables.basePath.default starting with "/": run `npm run generate`',
    );
  }
  return basePath;
}
