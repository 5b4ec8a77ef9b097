import { randomBytes } from 'node:crypto';
import type { ConformanceClient, Exchange } from './http.js';
import type { ResponseValidators } from './schema.js';
import type { NonJoinRoom } from './types.js';
import { type WalkResult, walkMutualRooms } from './walk.js';

/** The unstable path of MSC2666, as Synapse and matrix-js-sdk use it. */
export const UNSTABLE_PATH = '/_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms';
export const UNSTABLE_FLAG = 'uk.half-shot.msc2666.query_mutual_rooms';
export const STABLE_FLAG = 'uk.half-shot.msc2666.query_mutual_rooms.stable';

/** Rooms whose memberships are known, from a fixture file or created by the checker. */
export interface Scenario {
  readonly origin: 'fixtures' | 'created';
  readonly sharedRooms: readonly string[];
  readonly nonJoinRooms: readonly NonJoinRoom[];
}

export interface SessionSettings {
  readonly client: ConformanceClient;
  readonly validators: ResponseValidators;
  /** Path of the stable endpoint, such as `/_matrix/client/v1/mutual_rooms`. */
  readonly stablePath: string;
  readonly basePath: string;
  readonly tokenA: string;
  readonly tokenB?: string;
  readonly userA?: string;
  readonly userB?: string;
  /** Server name for the user IDs the checker makes up. */
  readonly serverName: string;
  readonly scenario?: Scenario;
  readonly rateLimit: boolean;
  readonly burst: number;
}

/** State shared by the checks: the client, the identities, the rooms, and walks done once. */
export class Session {
  /** A well-formed user ID made up for this run, so no server has such a user. */
  readonly unknownUser: string;
  private walkAB?: Promise<WalkResult>;
  private walkBA?: Promise<WalkResult>;

  constructor(readonly settings: SessionSettings) {
    this.unknownUser = `@conformance-unknown-${randomBytes(6).toString('hex')}:${settings.serverName}`;
  }

  get client(): ConformanceClient {
    return this.settings.client;
  }

  /** User B's ID when known, else the unknown user; for requests that need a valid `user_id`. */
  get partner(): string {
    return this.settings.userB ?? this.unknownUser;
  }

  /** Sends `GET` to the stable endpoint; `token` null sends no access token. */
  mutualRooms(query: Record<string, string>, token: string | null = this.settings.tokenA): Promise<Exchange> {
    return this.client.send({ path: this.settings.stablePath, query, token: token ?? undefined });
  }

  /** Walks A's mutual rooms with B once; later calls get the same result. Needs user B's ID. */
  walkFromA(): Promise<WalkResult> {
    const userB = this.settings.userB;
    if (userB === undefined) throw new Error('walkFromA needs user B');
    this.walkAB ??= this.walk(userB, this.settings.tokenA);
    return this.walkAB;
  }

  /** Walks B's mutual rooms with A once. Needs B's token and A's ID. */
  walkFromB(): Promise<WalkResult> {
    const { userA, tokenB } = this.settings;
    if (userA === undefined || tokenB === undefined) throw new Error('walkFromB needs user A and token B');
    this.walkBA ??= this.walk(userA, tokenB);
    return this.walkBA;
  }

  private walk(userId: string, token: string): Promise<WalkResult> {
    return walkMutualRooms((from) =>
      this.mutualRooms(from === undefined ? { user_id: userId } : { user_id: userId, from }, token),
    );
  }
}
