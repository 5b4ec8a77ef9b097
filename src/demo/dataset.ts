import type { Membership, MembershipRecord } from '../store/types.js';

/** Server name of the demo users and rooms. */
export const DEMO_SERVER = 'demo.example';
export const DEMO_USERS = {
  alice: `@alice:${DEMO_SERVER}`,
  bob: `@bob:${DEMO_SERVER}`,
  carol: `@carol:${DEMO_SERVER}`,
  dave: `@dave:${DEMO_SERVER}`,
  erin: `@erin:${DEMO_SERVER}`,
} as const;

/** The pair whose mutual rooms span more than one page. */
export const DEMO_PAIR = { requester: DEMO_USERS.alice, userId: DEMO_USERS.bob } as const;

/** Memberships of bob in rooms alice has joined that must not count as mutual. */
const NON_JOINED: readonly (readonly [Membership, number])[] = [
  ['invite', 6],
  ['leave', 5],
  ['ban', 2],
  ['knock', 2],
];

function room(kind: string, index: number): string {
  return `!${kind}${String(index).padStart(4, '0')}:${DEMO_SERVER}`;
}

/** Returns how many rooms alice and bob share: 30 more than a page, and at least 130. */
export function demoSharedRoomCount(pageSize: number): number {
  return Math.max(130, pageSize + 30);
}

/**
 * Yields the demo memberships: alice and bob share `demoSharedRoomCount(pageSize)` joined rooms
 * plus rooms where bob is invited, has left, is banned or knocks; carol, dave and erin add
 * smaller overlaps.
 */
export async function* demoMemberships(pageSize: number): AsyncGenerator<MembershipRecord> {
  const { alice, bob, carol, dave, erin } = DEMO_USERS;
  const join = 'join';

  for (let i = 1; i <= demoSharedRoomCount(pageSize); i += 1) {
    yield { roomId: room('shared', i), userId: alice, membership: join };
    yield { roomId: room('shared', i), userId: bob, membership: join };
    if (i % 10 === 0) yield { roomId: room('shared', i), userId: carol, membership: join };
  }

  let index = 0;
  for (const [membership, count] of NON_JOINED) {
    for (let i = 0; i < count; i += 1) {
      index += 1;
      yield { roomId: room('mixed', index), userId: alice, membership: join };
      yield { roomId: room('mixed', index), userId: bob, membership };
    }
  }

  for (let i = 1; i <= 4; i += 1) {
    yield { roomId: room('team', i), userId: carol, membership: join };
    yield { roomId: room('team', i), userId: dave, membership: join };
    yield { roomId: room('team', i), userId: erin, membership: i === 1 ? 'invite' : 'leave' };
  }
}
