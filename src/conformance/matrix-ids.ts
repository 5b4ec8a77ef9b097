/**
 * Identifier rules the checker applies to what a server sends. The grammars are the ones the
 * server enforces (`src/matrix`), so the checker and the server cannot disagree on them.
 */
export { isRoomId, isUserId, MAX_IDENTIFIER_BYTES as MAX_ID_BYTES } from '../matrix/identifiers.js';
export { isServerName } from '../matrix/server-name.js';

/** Pagination tokens in this project's reading of the spec: unreserved URL characters, 1 to 255. */
export const PAGINATION_TOKEN = /^[0-9A-Za-z._~-]{1,255}$/;

/** Returns the server name of a user ID, or undefined when `userId` has none. */
export function serverNameOf(userId: string): string | undefined {
  const colon = userId.indexOf(':');
  return colon < 0 ? undefined : userId.slice(colon + 1);
}
