import { createAccessToken } from '../../src/server/access-tokens.js';
import type { Membership, MembershipStore } from '../../src/store/types.js';

export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';
export const CAROL = '@carol:example.org';
/** A historical user ID: upper case and punctuation in the localpart. */
export const HISTORICAL = '@Old.User!:example.org';

/** The mutual rooms of alice and bob in the fixture, in room ID order. */
export const ALICE_BOB_ROOMS = ['!a-joined:example.org', '!b-joined:example.org', '!c-joined:example.org'];

const FIXTURE: readonly (readonly [string, string, Membership])[] = [
  ...ALICE_BOB_ROOMS.flatMap((room) => [[room, ALICE, 'join'] as const, [room, BOB, 'join'] as const]),
  ['!invite:example.org', ALICE, 'join'],
  ['!invite:example.org', BOB, 'invite'],
  ['!leave:example.org', ALICE, 'join'],
  ['!leave:example.org', BOB, 'leave'],
  ['!ban:example.org', ALICE, 'join'],
  ['!ban:example.org', BOB, 'ban'],
  ['!knock:example.org', ALICE, 'join'],
  ['!knock:example.org', BOB, 'knock'],
  ['!reverse:example.org', ALICE, 'invite'],
  ['!reverse:example.org', BOB, 'join'],
  ['!carol-only:example.org', CAROL, 'join'],
  ['!history:example.org', ALICE, 'join'],
  ['!history:example.org', HISTORICAL, 'join'],
];

/** Loads the fixture memberships and returns access tokens for alice and bob. */
export async function loadFixture(store: MembershipStore): Promise<{ alice: string; bob: string }> {
  for (const [roomId, userId, membership] of FIXTURE)
    await store.setMembership({ roomId, userId, membership });
  return { alice: await createAccessToken(store, ALICE), bob: await createAccessToken(store, BOB) };
}
