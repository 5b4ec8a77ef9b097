import type { Membership } from '../store/types.js';
import { ConformanceError } from './errors.js';
import { type ConformanceClient, describeResponse, type Exchange, sendDuringSetup } from './http.js';
import type { Scenario } from './session.js';
import type { NonJoinRoom } from './types.js';

const CLIENT_V3 = '/_matrix/client/v3';

interface User {
  readonly name: 'A' | 'B';
  readonly userId: string;
  readonly token: string;
}

/** A room the checker created, with the memberships it gave each user so far. */
interface CreatedRoom {
  readonly roomId: string;
  a: Membership;
  b: Membership;
}

/** Rooms created through the Client-Server API; `cleanUp` leaves every one of them. */
export class RoomBuilder {
  readonly rooms: CreatedRoom[] = [];
  private readonly a: User;
  private readonly b: User;

  constructor(
    private readonly client: ConformanceClient,
    users: { userA: string; tokenA: string; userB: string; tokenB: string },
  ) {
    this.a = { name: 'A', userId: users.userA, token: users.tokenA };
    this.b = { name: 'B', userId: users.userB, token: users.tokenB };
  }

  /**
   * Creates three rooms both users join, one where B is only invited, one B joins and leaves,
   * and one B creates where A is only invited. Throws a usage ConformanceError naming the
   * request that failed; rooms created before it stay in `rooms` for `cleanUp`.
   */
  async build(): Promise<Scenario> {
    const shared: string[] = [];
    for (let index = 0; index < 3; index++) {
      const room = await this.create(this.a);
      await this.invite(room, this.a, this.b);
      await this.join(room, this.b);
      shared.push(room.roomId);
    }

    const invitedB = await this.create(this.a);
    await this.invite(invitedB, this.a, this.b);

    const leftB = await this.create(this.a);
    await this.invite(leftB, this.a, this.b);
    await this.join(leftB, this.b);
    await this.leave(leftB, this.b, true);

    const invitedA = await this.create(this.b);
    await this.invite(invitedA, this.b, this.a);

    const nonJoinRooms: NonJoinRoom[] = [invitedB, leftB, invitedA].map(({ roomId, a, b }) => ({
      roomId,
      a,
      b,
    }));
    return { origin: 'created', sharedRooms: shared, nonJoinRooms };
  }

  /** Leaves (or rejects the invite to) every created room for both users; returns the problems. */
  async cleanUp(): Promise<string[]> {
    const problems: string[] = [];
    for (const room of this.rooms) {
      for (const user of [this.a, this.b]) {
        const membership = user === this.a ? room.a : room.b;
        if (membership !== 'join' && membership !== 'invite') continue;
        try {
          await this.leave(room, user, false);
        } catch (error) {
          problems.push(
            `could not leave room ${room.roomId} as user ${user.name}: ${(error as Error).message}`,
          );
        }
      }
    }
    return problems;
  }

  private async create(creator: User): Promise<CreatedRoom> {
    const exchange = await this.post(`${CLIENT_V3}/createRoom`, creator, {
      preset: 'private_chat',
      visibility: 'private',
      name: 'mutual-rooms conformance check',
      topic: 'Created by mutual-rooms conformance; it leaves this room when done.',
    });
    const roomId = (exchange.json as { room_id?: unknown } | undefined)?.room_id;
    if (typeof roomId !== 'string') {
      throw new ConformanceError(
        'usage',
        `createRoom as user ${creator.name} returned no room_id: ${describeResponse(exchange)}`,
      );
    }
    const room: CreatedRoom =
      creator === this.a ? { roomId, a: 'join', b: 'leave' } : { roomId, a: 'leave', b: 'join' };
    this.rooms.push(room);
    return room;
  }

  private async invite(room: CreatedRoom, inviter: User, invitee: User): Promise<void> {
    await this.post(`${CLIENT_V3}/rooms/${encodeURIComponent(room.roomId)}/invite`, inviter, {
      user_id: invitee.userId,
    });
    this.setMembership(room, invitee, 'invite');
  }

  private async join(room: CreatedRoom, user: User): Promise<void> {
    await this.post(`${CLIENT_V3}/join/${encodeURIComponent(room.roomId)}`, user, {});
    this.setMembership(room, user, 'join');
  }

  private async leave(room: CreatedRoom, user: User, forScenario: boolean): Promise<void> {
    await this.post(`${CLIENT_V3}/rooms/${encodeURIComponent(room.roomId)}/leave`, user, {}, forScenario);
    this.setMembership(room, user, 'leave');
  }

  private setMembership(room: CreatedRoom, user: User, membership: Membership): void {
    if (user === this.a) room.a = membership;
    else room.b = membership;
  }

  /**
   * Sends a POST and throws on a non-2xx response. While the scenario is built, the error is a
   * usage ConformanceError, because the run cannot go on without the rooms.
   */
  private async post(path: string, user: User, body: unknown, forScenario = true): Promise<Exchange> {
    const spec = { method: 'POST', path, token: user.token, body };
    const exchange = forScenario ? await sendDuringSetup(this.client, spec) : await this.client.send(spec);
    if (exchange.status >= 200 && exchange.status < 300) return exchange;
    const message = `POST ${path} as user ${user.name} returned ${describeResponse(exchange)}`;
    if (!forScenario) throw new Error(message);
    throw new ConformanceError(
      'usage',
      `--create-rooms failed: ${message}; a server without the room endpoints needs --fixtures instead`,
    );
  }
}
