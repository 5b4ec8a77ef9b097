import { serverNameProblem } from './server-name.js';

/** Identifier length limit of the Matrix appendices, in UTF-8 bytes including sigil and domain. */
export const MAX_IDENTIFIER_BYTES = 255;

/** Printable ASCII without ":" (U+0021 to U+007E minus U+003A). */
const HISTORICAL_LOCALPART = /^[\x21-\x39\x3b-\x7e]+$/;
/** Room version 12 room IDs: "!" and the 43-character URL-safe unpadded Base64 create-event hash. */
const HASH_ROOM_ID = /^![0-9A-Za-z_-]{43}$/;
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The usual form of each identifier, in ASCII: a sigil, a localpart or opaque ID of printable
 * ASCII without ":", and a DNS hostname with an optional port. A match of at most 255 characters
 * is valid unless its hostname is a dotted quad, whose numbers need checking. Every other value
 * takes the full check, which also explains the problem. Imports and response validation check
 * millions of identifiers, nearly all of this form.
 */
const USUAL_USER_ID = /^@[\x21-\x39\x3b-\x7e]+:[0-9A-Za-z.-]+(?::[0-9]{1,5})?$/;
const USUAL_ROOM_ID = /^![\x21-\x39\x3b-\x7e]+:[0-9A-Za-z.-]+(?::[0-9]{1,5})?$/;
/** A usual identifier ending in a dotted-quad hostname: the localpart cannot contain ":". */
const DOTTED_QUAD_SERVER = /:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?::[0-9]{1,5})?$/;

function isUsualIdentifier(value: string, usual: RegExp): boolean {
  if (value.length > MAX_IDENTIFIER_BYTES || !usual.test(value)) return false;
  // A dotted quad, with or without a port, ends in a digit: most names end in a letter.
  const last = value.charCodeAt(value.length - 1);
  return last < 0x30 || last > 0x39 || !DOTTED_QUAD_SERVER.test(value);
}

/** Tells whether `value` has more than MAX_IDENTIFIER_BYTES bytes in UTF-8. */
function exceedsIdentifierBytes(value: string): boolean {
  // A UTF-16 code unit takes 1 to 3 bytes, so only lengths in between need counting.
  if (value.length > MAX_IDENTIFIER_BYTES) return true;
  return value.length * 3 > MAX_IDENTIFIER_BYTES && Buffer.byteLength(value, 'utf8') > MAX_IDENTIFIER_BYTES;
}

/**
 * Returns why `value` is not a user ID, or undefined when it is one.
 *
 * Implements `"@" localpart ":" server_name` of the Matrix appendices ("User Identifiers") with at
 * most 255 bytes. Localparts may use the historical character set U+0021 to U+007E, so upper case
 * and punctuation are accepted. An empty localpart or any other character is rejected, because
 * the appendices call such user IDs non-compliant.
 */
export function userIdProblem(value: string): string | undefined {
  return isUsualIdentifier(value, USUAL_USER_ID) ? undefined : userIdGrammarProblem(value);
}

/** Returns why `value` is not a user ID, like {@link userIdProblem} without its shortcut. */
export function userIdGrammarProblem(value: string): string | undefined {
  if (!value.startsWith('@')) return 'a user ID must start with "@"';
  if (exceedsIdentifierBytes(value)) {
    return `a user ID may have at most ${MAX_IDENTIFIER_BYTES} bytes`;
  }

  const colon = value.indexOf(':');
  if (colon === -1) return 'a user ID needs a ":" between localpart and server name';
  const localpart = value.slice(1, colon);
  if (localpart === '') return 'the localpart of a user ID must not be empty';
  if (!HISTORICAL_LOCALPART.test(localpart)) {
    return 'the localpart of a user ID may contain only printable ASCII characters (U+0021 to U+007E)';
  }
  return serverNameProblem(value.slice(colon + 1));
}

/** Tests `value` against the user ID grammar, accepting historical localparts. */
export function isUserId(value: string): boolean {
  return userIdProblem(value) === undefined;
}

/**
 * Returns why `value` is not a room ID, or undefined when it is one.
 *
 * Accepts both forms the Matrix appendices and room versions define, each at most 255 bytes. The
 * first is `!opaque_id:server_name` (room versions 1 to 11), where opaque_id is non-empty and
 * contains neither ":" nor NUL. The second is `!` and a 43-character URL-safe Base64 hash (room
 * version 12).
 */
export function roomIdProblem(value: string): string | undefined {
  return isUsualIdentifier(value, USUAL_ROOM_ID) ? undefined : roomIdGrammarProblem(value);
}

/** Returns why `value` is not a room ID, like {@link roomIdProblem} without its shortcut. */
export function roomIdGrammarProblem(value: string): string | undefined {
  if (!value.startsWith('!')) return 'a room ID must start with "!"';
  if (exceedsIdentifierBytes(value)) {
    return `a room ID may have at most ${MAX_IDENTIFIER_BYTES} bytes`;
  }
  if (LONE_SURROGATE.test(value)) return 'a room ID must be valid Unicode';

  const colon = value.indexOf(':');
  if (colon === -1) {
    if (HASH_ROOM_ID.test(value)) return undefined;
    return 'a room ID needs ":" and a server name, or a 43-character URL-safe Base64 hash after "!"';
  }
  const opaqueId = value.slice(1, colon);
  if (opaqueId === '') return 'the opaque part of a room ID must not be empty';
  if (opaqueId.includes('\0')) return 'a room ID must not contain NUL';
  return serverNameProblem(value.slice(colon + 1));
}

/** Tests `value` against the room ID grammar of room versions 1 to 12. */
export function isRoomId(value: string): boolean {
  return roomIdProblem(value) === undefined;
}
