import { CHECK_IDS, type CheckId } from '../types.js';
import { missingToken, unknownToken } from './auth.js';
import { preflight, responseHeaders } from './cors.js';
import { joinOnly, symmetric } from './membership.js';
import { invalidToken, paginationWalk } from './pagination.js';
import { malformedUserId, missingUserId, selfUserId } from './params.js';
import { rateLimit } from './rate-limit.js';
import { unknownEndpoint, wrongMethod } from './routing.js';
import { schemaResponses } from './schema.js';
import type { CheckDefinition } from './types.js';
import { unknownUserEmpty } from './unknown-user.js';
import { versionFlags } from './versions.js';

const DEFINITIONS: readonly CheckDefinition[] = [
  versionFlags,
  missingToken,
  unknownToken,
  missingUserId,
  selfUserId,
  malformedUserId,
  unknownUserEmpty,
  paginationWalk,
  invalidToken,
  joinOnly,
  symmetric,
  preflight,
  responseHeaders,
  unknownEndpoint,
  wrongMethod,
  rateLimit,
  schemaResponses,
];

/** Check definitions, in the order of CHECK_IDS, which is also the order they run in. */
export const CHECKS: readonly CheckDefinition[] = CHECK_IDS.map((id: CheckId) => {
  const check = DEFINITIONS.find((definition) => definition.id === id);
  if (!check) throw new Error(`no definition for check ${id}`);
  return check;
});
