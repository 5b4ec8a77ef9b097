import { MUTUAL_ROOMS_PATH, resolveBasePath } from './openapi.js';

/** The stable path of the spec, or the unstable path of MSC2666 that clients in the wild call. */
export type EndpointKind = 'stable' | 'unstable';

/** A path that serves the Mutual Rooms operation, and how `GET /_matrix/client/versions` advertises it. */
export interface MutualRoomsRoute {
  readonly kind: EndpointKind;
  /** Prefix in the place of the spec's base path: the route is this prefix and `/mutual_rooms`. */
  readonly basePath: string;
  /** Flag that `unstable_features` sets to true while the path is routed. */
  readonly feature: string;
  /** Spec versions that define the path; the unstable path is in none. */
  readonly versions: readonly string[];
}

/** Switches for the Mutual Rooms paths that an app routes, each on by default. */
export interface EndpointOptions {
  /** `GET /_matrix/client/v1/mutual_rooms`, the path of the spec. */
  readonly stable?: boolean;
  /** `GET /_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms`, MSC2666's unstable path. */
  readonly unstable?: boolean;
}

/**
 * Every path of the Mutual Rooms operation. The app mounts the selected entries, and the versions
 * endpoint advertises exactly those, so the two cannot disagree. The flags are the ones MSC2666
 * defines: the `.stable` flag lets clients use the stable path before they know v1.19.
 */
export const MUTUAL_ROOMS_ROUTES: readonly MutualRoomsRoute[] = [
  {
    kind: 'stable',
    basePath: resolveBasePath(),
    feature: 'uk.half-shot.msc2666.query_mutual_rooms.stable',
    versions: ['v1.19'],
  },
  {
    kind: 'unstable',
    basePath: '/_matrix/client/unstable/uk.half-shot.msc2666/user',
    feature: 'uk.half-shot.msc2666.query_mutual_rooms',
    versions: [],
  },
];

/** Returns the routes that `options` turns on; throws when it turns off both. */
export function selectRoutes(options: EndpointOptions = {}): MutualRoomsRoute[] {
  const routes = MUTUAL_ROOMS_ROUTES.filter((route) => options[route.kind] ?? true);
  if (routes.length === 0) {
    throw new RangeError('endpoints turns off both the stable and the unstable path; keep at least one');
  }
  return routes;
}

/** Returns the full path of `route`, such as `/_matrix/client/v1/mutual_rooms`. */
export function routePath(route: MutualRoomsRoute): string {
  return `${route.basePath}${MUTUAL_ROOMS_PATH}`;
}
