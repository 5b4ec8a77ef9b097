import { describeResponse, type Exchange, errcodeOf } from '../http.js';
import { STABLE_FLAG, UNSTABLE_FLAG, UNSTABLE_PATH } from '../session.js';
import type { Failure } from '../types.js';
import { type CheckDefinition, outcomeOf } from './types.js';

/** The first Matrix version with the stable Mutual Rooms endpoint. */
const STABLE_SINCE = { major: 1, minor: 19 };

/** The body of `GET /_matrix/client/versions`. */
export interface VersionsBody {
  readonly versions: readonly string[];
  readonly unstable_features?: Readonly<Record<string, unknown>>;
}

/** Whether each path is routed, with the response that shows it. */
export interface RouteProbe {
  readonly stable: { readonly path: string; readonly routed: boolean; readonly response: string };
  readonly unstable: { readonly path: string; readonly routed: boolean; readonly response: string };
}

/** Returns whether a path is routed: any response but 404 without an errcode or 404 M_UNRECOGNIZED. */
export function isRouted(exchange: Exchange): boolean {
  if (exchange.status !== 404) return true;
  const errcode = errcodeOf(exchange);
  return errcode !== undefined && errcode !== 'M_UNRECOGNIZED';
}

/** Returns whether `version` (such as `v1.19`) is at least the version with the stable endpoint. */
export function isStableVersion(version: string): boolean {
  const match = /^v(\d+)\.(\d+)$/.exec(version);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > STABLE_SINCE.major || (major === STABLE_SINCE.major && minor >= STABLE_SINCE.minor);
}

/**
 * Compares what `/versions` advertises with what is routed, and returns the mismatches. The
 * unstable flag must be set exactly when the unstable path is routed. The stable flag or a
 * version of v1.19 or later must be present exactly when the stable path is routed.
 */
export function compareAdvertisement(body: VersionsBody, probe: RouteProbe): Failure[] {
  const failures: Failure[] = [];
  const features = body.unstable_features ?? {};
  const unstableAdvertised = features[UNSTABLE_FLAG] === true;
  const stableVersions = body.versions.filter(isStableVersion);
  const stableReasons = [
    ...(features[STABLE_FLAG] === true ? [`${STABLE_FLAG}: true`] : []),
    ...stableVersions,
  ];

  if (unstableAdvertised && !probe.unstable.routed) {
    failures.push({
      case: UNSTABLE_FLAG,
      expected: `advertised only if ${probe.unstable.path} is routed`,
      actual: `advertised, but GET ${probe.unstable.path} got ${probe.unstable.response}`,
    });
  }
  if (!unstableAdvertised && probe.unstable.routed) {
    failures.push({
      case: UNSTABLE_FLAG,
      expected: `${UNSTABLE_FLAG}: true, because ${probe.unstable.path} is routed`,
      actual: `not advertised, and GET ${probe.unstable.path} got ${probe.unstable.response}`,
    });
  }
  if (stableReasons.length > 0 && !probe.stable.routed) {
    failures.push({
      case: 'stable endpoint',
      expected: `${STABLE_FLAG} and versions v1.19 or later advertised only if ${probe.stable.path} is routed`,
      actual: `advertised by ${stableReasons.join(', ')}, but GET ${probe.stable.path} got ${probe.stable.response}`,
    });
  }
  if (stableReasons.length === 0 && probe.stable.routed) {
    failures.push({
      case: 'stable endpoint',
      expected: `${STABLE_FLAG}: true or a version of v1.19 or later, because ${probe.stable.path} is routed`,
      actual: `versions ${JSON.stringify(body.versions)} and no ${STABLE_FLAG}`,
    });
  }
  return failures;
}

function parseVersionsBody(exchange: Exchange): VersionsBody | undefined {
  if (exchange.status !== 200 || !exchange.isJson) return undefined;
  const body = exchange.json as { versions?: unknown; unstable_features?: unknown } | null;
  if (typeof body !== 'object' || body === null) return undefined;
  if (!Array.isArray(body.versions) || !body.versions.every((version) => typeof version === 'string'))
    return undefined;
  const features = body.unstable_features;
  if (
    features !== undefined &&
    (typeof features !== 'object' || features === null || Array.isArray(features))
  ) {
    return undefined;
  }
  return body as VersionsBody;
}

export const versionFlags: CheckDefinition = {
  id: 'versions.flags',
  description:
    '/_matrix/client/versions advertises the Mutual Rooms flags and versions exactly for the paths that are routed',
  async run(session) {
    const versions = await session.client.send({ path: '/_matrix/client/versions' });
    const body = parseVersionsBody(versions);
    if (!body) {
      return outcomeOf([
        {
          case: 'GET /_matrix/client/versions',
          expected: '200 with a versions array of strings and an optional unstable_features object',
          actual: describeResponse(versions),
        },
      ]);
    }

    // With the requester's own ID, a routed endpoint responds 400 without looking anybody up.
    const query = { user_id: session.settings.userA ?? session.unknownUser };
    const stable = await session.mutualRooms(query);
    const unstable = await session.client.send({
      path: UNSTABLE_PATH,
      query,
      token: session.settings.tokenA,
    });
    const probe: RouteProbe = {
      stable: {
        path: session.settings.stablePath,
        routed: isRouted(stable),
        response: describeResponse(stable),
      },
      unstable: { path: UNSTABLE_PATH, routed: isRouted(unstable), response: describeResponse(unstable) },
    };
    const routed = [probe.stable, probe.unstable].filter((route) => route.routed).map((route) => route.path);
    return outcomeOf(compareAdvertisement(body, probe), [
      `routed: ${routed.length > 0 ? routed.join(', ') : 'neither path'}`,
    ]);
  },
};
