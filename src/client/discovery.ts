import {
  type MutualRoomsEndpoint,
  STABLE_ENDPOINT,
  STABLE_FEATURE,
  STABLE_SINCE,
  UNSTABLE_ENDPOINT,
  UNSTABLE_FEATURE,
  type VersionsResponse,
} from './endpoints.js';
import { UnsupportedServerError } from './errors.js';

/**
 * Picks the endpoint from a `GET /_matrix/client/versions` body: the stable one when the server
 * lists v1.19 or later or sets the `.stable` unstable feature, else the MSC2666 unstable one when
 * its feature is set. Throws UnsupportedServerError otherwise.
 */
export function selectEndpoint(versions: VersionsResponse, baseUrl: string): MutualRoomsEndpoint {
  const features = versions.unstable_features ?? {};
  if (versions.versions.some(hasStableEndpoint) || features[STABLE_FEATURE] === true) {
    return STABLE_ENDPOINT;
  }
  if (features[UNSTABLE_FEATURE] === true) {
    return UNSTABLE_ENDPOINT;
  }

  const listed = versions.versions.length === 0 ? 'no versions' : versions.versions.join(', ');
  throw new UnsupportedServerError(
    baseUrl,
    versions.versions,
    `The homeserver at ${baseUrl} does not support the Mutual Rooms API: /_matrix/client/versions lists ` +
      `${listed} and neither unstable feature ${STABLE_FEATURE} nor ${UNSTABLE_FEATURE}. ` +
      `It needs Matrix v${STABLE_SINCE.major}.${STABLE_SINCE.minor} or MSC2666 support.`,
  );
}

/** Whether a spec version string such as `v1.19` names v1.19 or later. `r0.x` versions never do. */
export function hasStableEndpoint(version: string): boolean {
  const match = /^v(\d+)\.(\d+)$/.exec(version);
  if (match === null) {
    return false;
  }

  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > STABLE_SINCE.major || (major === STABLE_SINCE.major && minor >= STABLE_SINCE.minor);
}
