import { PAGINATION_TOKEN } from '../matrix-ids.js';
import type { Session } from '../session.js';
import { expectMatrixError, present } from './expect.js';
import { type CheckDefinition, outcomeOf, skip } from './types.js';

const NEEDS_USER_B =
  "user B's ID is unknown: pass --user-b, --token-b, --fixtures with users.b or --create-rooms";

export const paginationWalk: CheckDefinition = {
  id: 'pagination.walk',
  description:
    'Paging through the mutual rooms with user B: well-formed new tokens, no room twice, one count equal to the rooms listed, at most count pages',
  async run(session) {
    if (session.settings.userB === undefined) return skip(NEEDS_USER_B);
    const walk = await session.walkFromA();
    const summary = `${walk.pages} page${walk.pages === 1 ? '' : 's'}, ${walk.rooms.length} room${walk.rooms.length === 1 ? '' : 's'}`;
    return outcomeOf(walk.failures, [summary, ...walk.notes]);
  },
};

/** Changes the character at `index` to another character of the token alphabet. */
export function tamperToken(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'z' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

/** Tokens that no server can have issued: outside the token alphabet, too long, or random. */
export function garbageTokens(): ReadonlyArray<{ name: string; token: string }> {
  return [
    { name: 'spaces and symbols', token: 'not a token!' },
    { name: 'over 255 characters', token: 'a'.repeat(300) },
    { name: 'random string', token: 'conformance0garbage0token0Zq8xW' },
  ];
}

export const invalidToken: CheckDefinition = {
  id: 'pagination.invalid-token',
  description:
    'Garbage from tokens, and next_batch tokens with one character changed, get 400 M_INVALID_PARAM',
  async run(session: Session) {
    const notes: string[] = [];
    const cases = [...garbageTokens()];

    // Tampering needs a real token, so it follows A's walk with B. The first character and the
    // middle one are changed, because the last character of base64 can carry unused bits only.
    const token = session.settings.userB === undefined ? undefined : (await session.walkFromA()).tokens[0];
    if (token === undefined) {
      notes.push(
        'tampered tokens not sent: no next_batch seen, because user B is unknown or all mutual rooms fit one page',
      );
    } else {
      if (!PAGINATION_TOKEN.test(token))
        notes.push('the next_batch that was tampered with is itself malformed');
      const indexes = [...new Set([0, Math.floor(token.length / 2)])];
      for (const index of indexes)
        cases.push({ name: `next_batch with character ${index} changed`, token: tamperToken(token, index) });
    }

    const failures = [];
    for (const { name, token: from } of cases) {
      const exchange = await session.mutualRooms({ user_id: session.partner, from });
      failures.push(expectMatrixError(exchange, 400, ['M_INVALID_PARAM'], name));
    }
    return outcomeOf(present(failures), notes);
  },
};
