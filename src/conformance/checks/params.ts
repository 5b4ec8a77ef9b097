import { MAX_ID_BYTES } from '../matrix-ids.js';
import type { Session } from '../session.js';
import { expectMatrixError, present } from './expect.js';
import { type CheckDefinition, outcomeOf, skip } from './types.js';

export const missingUserId: CheckDefinition = {
  id: 'params.missing-user-id',
  description: 'A request without user_id gets 400 M_INVALID_PARAM or M_MISSING_PARAM',
  async run(session) {
    const exchange = await session.mutualRooms({});
    return outcomeOf(present([expectMatrixError(exchange, 400, ['M_INVALID_PARAM', 'M_MISSING_PARAM'])]));
  },
};

export const selfUserId: CheckDefinition = {
  id: 'params.self',
  description: "user_id equal to the requester's own user ID gets 400 M_INVALID_PARAM",
  async run(session) {
    const { userA } = session.settings;
    if (userA === undefined) {
      return skip("user A's ID is unknown: whoami failed; set users.a.userId in the fixture file");
    }
    const exchange = await session.mutualRooms({ user_id: userA });
    return outcomeOf(present([expectMatrixError(exchange, 400, ['M_INVALID_PARAM'])]));
  },
};

/** Malformed user IDs, each breaking one rule of the user ID grammar. */
export function malformedUserIds(serverName: string): ReadonlyArray<{ name: string; userId: string }> {
  const tooLongLocalpart = 'a'.repeat(Math.max(1, MAX_ID_BYTES + 1 - Buffer.byteLength(`@:${serverName}`)));
  return [
    { name: 'empty localpart', userId: `@:${serverName}` },
    { name: `over ${MAX_ID_BYTES} bytes`, userId: `@${tooLongLocalpart}:${serverName}` },
    { name: 'non-ASCII localpart', userId: `@álïcé:${serverName}` },
    { name: 'no server name', userId: '@conformance' },
    { name: 'empty server name', userId: '@conformance:' },
    { name: 'no @ sigil', userId: `conformance:${serverName}` },
  ];
}

export const malformedUserId: CheckDefinition = {
  id: 'params.malformed-user-id',
  description:
    'Malformed user IDs (empty localpart, over 255 bytes, non-ASCII, no server name) get 400 M_INVALID_PARAM',
  async run(session: Session) {
    const failures = [];
    for (const { name, userId } of malformedUserIds(session.settings.serverName)) {
      const exchange = await session.mutualRooms({ user_id: userId });
      failures.push(expectMatrixError(exchange, 400, ['M_INVALID_PARAM'], name));
    }
    return outcomeOf(present(failures));
  },
};
