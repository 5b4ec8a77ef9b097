import { roomIdProblem, userIdProblem } from '../matrix/identifiers.js';
import { MEMBERSHIPS, type Membership, type MembershipRecord } from '../store/types.js';
import { InvalidLineError } from './errors.js';

type JsonObject = Readonly<Record<string, unknown>>;

/** Checks the three fields of a membership and returns them as a record. */
export function toMembershipRecord(
  roomId: unknown,
  userId: unknown,
  membership: unknown,
  userField = 'user_id',
): MembershipRecord {
  if (typeof roomId !== 'string') throw new InvalidLineError('room_id must be a string');
  const roomProblem = roomIdProblem(roomId);
  if (roomProblem !== undefined)
    throw new InvalidLineError(`room_id ${JSON.stringify(roomId)} is invalid: ${roomProblem}`);

  if (typeof userId !== 'string') throw new InvalidLineError(`${userField} must be a string`);
  const userProblem = userIdProblem(userId);
  if (userProblem !== undefined)
    throw new InvalidLineError(`${userField} ${JSON.stringify(userId)} is invalid: ${userProblem}`);

  if (!isMembership(membership)) {
    throw new InvalidLineError(
      `membership ${JSON.stringify(membership)} is not one of ${MEMBERSHIPS.join(', ')}`,
    );
  }
  return { roomId, userId, membership };
}

/**
 * Reads one NDJSON line: either a `{room_id, user_id, membership}` record or an `m.room.member`
 * state event, whose `state_key` is the user ID and `content.membership` the membership.
 */
export function parseNdjsonLine(line: string): MembershipRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InvalidLineError(`invalid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidLineError('each line must be a JSON object');
  }

  const object = value as JsonObject;
  if (!('type' in object)) return toMembershipRecord(object.room_id, object.user_id, object.membership);
  if (object.type !== 'm.room.member') {
    throw new InvalidLineError(`event type ${JSON.stringify(object.type)} is not m.room.member`);
  }
  const content = object.content;
  if (content === null || typeof content !== 'object') {
    throw new InvalidLineError('an m.room.member event needs a content object');
  }
  return toMembershipRecord(
    object.room_id,
    object.state_key,
    (content as JsonObject).membership,
    'state_key',
  );
}

function isMembership(value: unknown): value is Membership {
  return typeof value === 'string' && (MEMBERSHIPS as readonly string[]).includes(value);
}
