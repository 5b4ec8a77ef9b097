import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

export const SERVER_NAME = 'double.test';
export const UNSTABLE_PATH = '/_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms';
export const STABLE_PATH = '/_matrix/client/v1/mutual_rooms';
const CLIENT_V3 = '/_matrix/client/v3';

/** A response the double sends: JSON unless `body` is a string. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Requester {
  readonly userId: string;
  readonly token: string;
}

export interface MutualRoomsRequest {
  readonly requester: string;
  readonly userId: string;
  readonly from?: string;
}

interface Page {
  readonly joined: string[];
  readonly count: number;
  readonly next_batch?: string;
}

export function matrixError(status: number, errcode: string, error: string, extra: object = {}): Reply {
  return { status, body: { errcode, error, ...extra } };
}

// A small reading of the user ID grammar, separate from the checker's own.
function isUserId(value: string): boolean {
  return Buffer.byteLength(value) <= 255 && /^@[\x21-\x39\x3B-\x7E]+:[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value);
}

/**
 * A Client-Server API double that follows the Mutual Rooms spec: whoami, versions, createRoom,
 * invite, join, leave and both Mutual Rooms paths, with CORS, signed page tokens and a
 * per-token rate limit. Each defect double overrides one method of it.
 */
export class HomeserverDouble {
  readonly userA = { userId: `@alice:${SERVER_NAME}`, token: `syt_alice_${randomBytes(8).toString('hex')}` };
  readonly userB = { userId: `@bob:${SERVER_NAME}`, token: `syt_bob_${randomBytes(8).toString('hex')}` };
  /** Room ID → user ID → membership. */
  readonly rooms = new Map<string, Map<string, Membership>>();
  /** Rooms listed per page. */
  pageSize = 2;
  /** Requests a token may send before one is rejected with 429; then the count starts again. */
  rateLimit = 30;
  rateLimitDelayMs = 50;

  private readonly secret = randomBytes(16);
  private readonly limits = new Map<string, { count: number; blockedUntil: number }>();
  private server?: Server;
  private nextRoom = 1;

  /** Starts listening on 127.0.0.1 on a free port and returns the base URL. */
  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.send(response, matrixError(500, 'M_UNKNOWN', String(error)));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sets one membership, for tests that describe rooms in a fixture file. */
  seed(roomId: string, memberships: Readonly<Record<string, Membership>>): void {
    this.rooms.set(roomId, new Map(Object.entries(memberships)));
  }

  // --- HTTP plumbing -------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://double.test');
    const method = request.method ?? 'GET';
    const text = await readText(request);
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    this.send(response, this.route(method, url, request, body));
  }

  protected send(response: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = this.corsHeaders();
    let payload = '';
    if (typeof reply.body === 'string') {
      payload = reply.body;
      headers['Content-Type'] = 'text/html; charset=utf-8';
    } else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['Content-Type'] = 'application/json';
    }
    response.writeHead(reply.status, { ...headers, ...reply.headers });
    response.end(payload);
  }

  protected corsHeaders(): Record<string, string> {
    return {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
    };
  }

  // --- routing -------------------------------------------------------------------------------

  private route(method: string, url: URL, request: IncomingMessage, body: Record<string, unknown>): Reply {
    if (method === 'OPTIONS') return this.preflight();
    const path = url.pathname;
    if (path === '/_matrix/client/versions') return method === 'GET' ? this.versions() : this.wrongMethod();

    const endpoint = this.endpointOf(path);
    if (!endpoint) return this.unknownEndpoint();
    if (method !== endpoint.method) return this.wrongMethod();

    const requester = this.authenticate(request, url);
    if ('status' in requester) return requester;
    const limited = this.consumeRateLimit(requester.token);
    if (limited) return limited;
    return this.intercept(method, path) ?? endpoint.handle(requester, url, body);
  }

  /** Returns a reply that replaces the endpoint's response, or undefined to let the endpoint respond. */
  protected intercept(_method: string, _path: string): Reply | undefined {
    return undefined;
  }

  private endpointOf(path: string) {
    const room = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/(invite|leave)$/.exec(path);
    const join = /^\/_matrix\/client\/v3\/join\/([^/]+)$/.exec(path);
    type Handler = (requester: Requester, url: URL, body: Record<string, unknown>) => Reply;
    const endpoint = (method: string, handle: Handler) => ({ method, handle });

    if (path === STABLE_PATH)
      return endpoint('GET', (requester, url) => this.mutualRoomsEndpoint(requester, url));
    if (path === UNSTABLE_PATH) {
      return this.unstableEndpoint(
        endpoint('GET', (requester, url) => this.mutualRoomsEndpoint(requester, url)),
      );
    }
    if (path === `${CLIENT_V3}/account/whoami`) {
      return endpoint('GET', (requester) => ({ status: 200, body: { user_id: requester.userId } }));
    }
    if (path === `${CLIENT_V3}/createRoom`)
      return endpoint('POST', (requester) => this.createRoom(requester.userId));
    if (join?.[1]) {
      const roomId = decodeURIComponent(join[1]);
      return endpoint('POST', (requester) => this.join(requester.userId, roomId));
    }
    if (room?.[1] && room[2]) {
      const roomId = decodeURIComponent(room[1]);
      if (room[2] === 'invite') {
        return endpoint('POST', (requester, _url, body) => this.invite(requester.userId, roomId, body));
      }
      return endpoint('POST', (requester) => this.leave(requester.userId, roomId));
    }
    return undefined;
  }

  /** Returns the unstable endpoint, or undefined to leave the path unrouted. */
  protected unstableEndpoint<T>(endpoint: T): T | undefined {
    return endpoint;
  }

  private authenticate(request: IncomingMessage, url: URL): Requester | Reply {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ')
      ? header.slice('Bearer '.length)
      : url.searchParams.get('access_token');
    if (!token) return this.unauthorized('M_MISSING_TOKEN', 'Missing access token');
    const user = [this.userA, this.userB].find((candidate) => candidate.token === token);
    if (!user)
      return this.unauthorized('M_UNKNOWN_TOKEN', 'Unrecognised access token', { soft_logout: false });
    return { userId: user.userId, token };
  }

  private consumeRateLimit(token: string): Reply | undefined {
    const state = this.limits.get(token) ?? { count: 0, blockedUntil: 0 };
    this.limits.set(token, state);
    const now = Date.now();
    if (now < state.blockedUntil) return this.rateLimited(state.blockedUntil - now);
    state.count++;
    if (state.count <= this.rateLimit) return undefined;
    state.count = 0;
    state.blockedUntil = now + this.rateLimitDelayMs;
    return this.rateLimited(this.rateLimitDelayMs);
  }

  // --- responses that defect doubles change --------------------------------------------------

  protected versions(): Reply {
    return {
      status: 200,
      body: {
        versions: ['v1.18', 'v1.19'],
        unstable_features: {
          'uk.half-shot.msc2666.query_mutual_rooms': true,
          'uk.half-shot.msc2666.query_mutual_rooms.stable': true,
        },
      },
    };
  }

  protected preflight(): Reply {
    return { status: 200, body: {} };
  }

  protected unknownEndpoint(): Reply {
    return matrixError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
  }

  protected wrongMethod(): Reply {
    return matrixError(405, 'M_UNRECOGNIZED', 'Unrecognized request');
  }

  protected unauthorized(errcode: string, error: string, extra: object = {}): Reply {
    return matrixError(401, errcode, error, extra);
  }

  protected rateLimited(delayMs: number): Reply {
    return {
      status: 429,
      body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: delayMs },
      headers: { 'Retry-After': String(Math.ceil(delayMs / 1000)) },
    };
  }

  /** Returns the response to a request for the requester's own user ID, sent with `token`. */
  protected selfRequest(_token: string): Reply {
    return matrixError(400, 'M_INVALID_PARAM', 'user_id must be another user than the requester');
  }

  protected unknownUser(request: MutualRoomsRequest): Reply {
    return this.pageReply(request);
  }

  /** Rooms where both users have membership join, sorted by room ID. */
  protected mutualRoomIds(userA: string, userB: string): string[] {
    return [...this.rooms]
      .filter(([, members]) => members.get(userA) === 'join' && members.get(userB) === 'join')
      .map(([roomId]) => roomId)
      .sort();
  }

  protected issueToken(request: MutualRoomsRequest, offset: number): string {
    return `${offset}.${this.signature(request, offset)}`;
  }

  /** Returns the offset a token stands for, or undefined when the token is invalid. */
  protected readToken(request: MutualRoomsRequest, token: string): number | undefined {
    const match = /^(\d+)\.([0-9a-f]{16})$/.exec(token);
    if (!match) return undefined;
    const offset = Number(match[1]);
    return match[2] === this.signature(request, offset) ? offset : undefined;
  }

  protected page(request: MutualRoomsRequest, offset: number): Page {
    const rooms = this.mutualRoomIds(request.requester, request.userId);
    const joined = rooms.slice(offset, offset + this.pageSize);
    const end = offset + joined.length;
    return {
      joined,
      count: rooms.length,
      ...(end < rooms.length ? { next_batch: this.issueToken(request, end) } : {}),
    };
  }

  // --- endpoint handlers ---------------------------------------------------------------------

  private signature(request: MutualRoomsRequest, offset: number): string {
    const data = `${request.requester}\n${request.userId}\n${offset}`;
    return createHmac('sha256', this.secret).update(data).digest('hex').slice(0, 16);
  }

  private mutualRoomsEndpoint({ userId: requester, token }: Requester, url: URL): Reply {
    const userIds = url.searchParams.getAll('user_id');
    const userId = userIds[0];
    if (userId === undefined) return matrixError(400, 'M_MISSING_PARAM', 'Missing user_id');
    if (userIds.length > 1 || !isUserId(userId))
      return matrixError(400, 'M_INVALID_PARAM', 'user_id is not a valid user ID');
    if (userId === requester) return this.selfRequest(token);

    const from = url.searchParams.get('from') ?? undefined;
    const request: MutualRoomsRequest = { requester, userId, from };
    if (userId !== this.userA.userId && userId !== this.userB.userId) return this.unknownUser(request);
    return this.pageReply(request);
  }

  private pageReply(request: MutualRoomsRequest): Reply {
    const offset = request.from === undefined ? 0 : this.readToken(request, request.from);
    if (offset === undefined)
      return matrixError(400, 'M_INVALID_PARAM', 'from is not a valid pagination token');
    return { status: 200, body: this.page(request, offset) };
  }

  private createRoom(creator: string): Reply {
    const roomId = `!room${String(this.nextRoom++).padStart(4, '0')}:${SERVER_NAME}`;
    this.rooms.set(roomId, new Map([[creator, 'join']]));
    return { status: 200, body: { room_id: roomId } };
  }

  private invite(inviter: string, roomId: string, body: Record<string, unknown>): Reply {
    const members = this.rooms.get(roomId);
    if (members?.get(inviter) !== 'join') return matrixError(403, 'M_FORBIDDEN', 'You are not in this room');
    if (typeof body.user_id !== 'string') return matrixError(400, 'M_MISSING_PARAM', 'Missing user_id');
    members.set(body.user_id, 'invite');
    return { status: 200, body: {} };
  }

  private join(userId: string, roomId: string): Reply {
    const members = this.rooms.get(roomId);
    const membership = members?.get(userId);
    if (!members || (membership !== 'invite' && membership !== 'join')) {
      return matrixError(403, 'M_FORBIDDEN', 'You are not invited to this room');
    }
    members.set(userId, 'join');
    return { status: 200, body: { room_id: roomId } };
  }

  private leave(userId: string, roomId: string): Reply {
    const members = this.rooms.get(roomId);
    const membership = members?.get(userId);
    if (!members || (membership !== 'invite' && membership !== 'join')) {
      return matrixError(403, 'M_FORBIDDEN', 'You are not in this room');
    }
    members.set(userId, 'leave');
    return { status: 200, body: {} };
  }
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
