import type { RequestHandler } from 'express';
import type { MutualRoomsRoute } from './routes.js';

/** Path of the spec versions endpoint of the Client-Server API. */
export const VERSIONS_PATH = '/_matrix/client/versions';

/** The 200 body of `GET /_matrix/client/versions` (Client-Server API v1.19). */
export interface VersionsBody {
  readonly versions: string[];
  readonly unstable_features: Record<string, boolean>;
}

/**
 * Builds the versions body from the routes the app mounts. It lists only the spec versions that
 * define one of those paths, because the server serves no other endpoint of any version. It sets
 * the flag of each routed path and of no other.
 */
export function versionsBody(routes: readonly MutualRoomsRoute[]): VersionsBody {
  const versions = [...new Set(routes.flatMap((route) => route.versions))];
  const features = Object.fromEntries(routes.map((route) => [route.feature, true]));
  return { versions, unstable_features: features };
}

/**
 * Handles `GET /_matrix/client/versions`. It needs no access token and ignores one, which
 * matrix-js-sdk 37 sends here, because the body is the same for every caller.
 */
export function versionsRoute(routes: readonly MutualRoomsRoute[]): RequestHandler {
  const body = JSON.stringify(versionsBody(routes));
  return (_req, res) => {
    res.type('application/json').send(body);
  };
}
