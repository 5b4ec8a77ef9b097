import type { Failure } from '../types.js';
import { type CheckDefinition, outcomeOf, skip } from './types.js';

export const joinOnly: CheckDefinition = {
  id: 'membership.join-only',
  description:
    'Rooms that both users have joined are listed; a room where either has invite, leave or another membership is not',
  async run(session) {
    const { scenario, userB } = session.settings;
    if (scenario === undefined || (scenario.sharedRooms.length === 0 && scenario.nonJoinRooms.length === 0)) {
      return skip(
        'no rooms with known memberships: pass --fixtures with sharedRooms and nonJoinRooms, or --create-rooms',
      );
    }
    if (userB === undefined)
      return skip("user B's ID is unknown: pass --user-b, --token-b or users.b in the fixture file");

    const walk = await session.walkFromA();
    const listed = new Set(walk.rooms);
    const failures: Failure[] = [];
    for (const roomId of scenario.sharedRooms) {
      if (!listed.has(roomId))
        failures.push({ case: `${roomId} (A join, B join)`, expected: 'listed', actual: 'not listed' });
    }
    for (const room of scenario.nonJoinRooms) {
      if (listed.has(room.roomId)) {
        failures.push({
          case: `${room.roomId} (A ${room.a}, B ${room.b})`,
          expected: 'not listed',
          actual: 'listed',
        });
      }
    }

    const notes = [`rooms from ${scenario.origin === 'created' ? '--create-rooms' : 'the fixture file'}`];
    if (!walk.ended) notes.push('the walk was cut short, so rooms on later pages were not seen');
    return outcomeOf(failures, notes);
  },
};

export const symmetric: CheckDefinition = {
  id: 'membership.symmetric',
  description: "A's mutual rooms with B are the same rooms as B's mutual rooms with A",
  async run(session) {
    const { userA, userB, tokenB } = session.settings;
    if (tokenB === undefined)
      return skip("needs user B's access token: pass --token-b or users.b.accessToken in the fixture file");
    if (userA === undefined || userB === undefined) return skip('the user IDs of A and B are not both known');

    const fromA = await session.walkFromA();
    const fromB = await session.walkFromB();
    const roomsOfA = new Set(fromA.rooms);
    const roomsOfB = new Set(fromB.rooms);
    const failures: Failure[] = [];
    const onlyA = fromA.rooms.filter((roomId) => !roomsOfB.has(roomId));
    const onlyB = fromB.rooms.filter((roomId) => !roomsOfA.has(roomId));
    if (onlyA.length > 0) {
      failures.push({
        case: 'listed for A only',
        expected: 'listed for B too',
        actual: onlyA.slice(0, 5).join(', '),
      });
    }
    if (onlyB.length > 0) {
      failures.push({
        case: 'listed for B only',
        expected: 'listed for A too',
        actual: onlyB.slice(0, 5).join(', '),
      });
    }
    return outcomeOf(failures, [`${roomsOfA.size} rooms for A, ${roomsOfB.size} for B`]);
  },
};
