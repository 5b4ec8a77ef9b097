import { HomeserverDouble, type MutualRoomsRequest, matrixError, type Reply } from './homeserver.js';

/** Rejects a request for the requester's own user ID with 400 M_UNKNOWN, echoing the token. */
export class SelfUnknownDouble extends HomeserverDouble {
  protected override selfRequest(token: string): Reply {
    return matrixError(400, 'M_UNKNOWN', `Internal error while serving access token ${token}`);
  }
}

/** Rejects a request for the requester's own user ID with 422, as some validation layers do. */
export class SelfUnprocessableDouble extends HomeserverDouble {
  protected override selfRequest(): Reply {
    return matrixError(422, 'M_INVALID_PARAM', 'user_id must differ from the requester');
  }
}

/** Sends a new `next_batch` on every page of a non-empty list, also after the last room. */
export class EndlessPagesDouble extends HomeserverDouble {
  protected override page(request: MutualRoomsRequest, offset: number) {
    const page = super.page(request, offset);
    if (page.count === 0) return page;
    return { ...page, next_batch: this.issueToken(request, offset + Math.max(page.joined.length, 1)) };
  }
}

/** Sends the first page's `next_batch` again on every later page of a non-empty list. */
export class RepeatedTokenDouble extends HomeserverDouble {
  protected override page(request: MutualRoomsRequest, offset: number) {
    const page = super.page(request, offset);
    if (page.count === 0) return page;
    return { ...page, next_batch: this.issueToken(request, this.pageSize) };
  }
}

/** Uses the last room ID of a page as the token, so tokens contain `!` and `:`. */
export class RoomIdTokenDouble extends HomeserverDouble {
  protected override issueToken(request: MutualRoomsRequest, offset: number): string {
    const rooms = this.mutualRoomIds(request.requester, request.userId);
    return rooms[offset - 1] ?? '';
  }

  protected override readToken(request: MutualRoomsRequest, token: string): number | undefined {
    const index = this.mutualRoomIds(request.requester, request.userId).indexOf(token);
    return index < 0 ? undefined : index + 1;
  }
}

/** Pads every token to 300 characters. */
export class LongTokenDouble extends HomeserverDouble {
  protected override issueToken(request: MutualRoomsRequest, offset: number): string {
    const token = super.issueToken(request, offset);
    return `${token}.${'x'.repeat(299 - token.length)}`;
  }

  protected override readToken(request: MutualRoomsRequest, token: string): number | undefined {
    const separator = token.lastIndexOf('.');
    if (token.length !== 300 || !/^x+$/.test(token.slice(separator + 1))) return undefined;
    return super.readToken(request, token.slice(0, separator));
  }
}

/** Counts rooms where either user is only invited as mutual. */
export class InviteCountedDouble extends HomeserverDouble {
  protected override mutualRoomIds(userA: string, userB: string): string[] {
    const counted = new Set(['join', 'invite']);
    return [...this.rooms]
      .filter(([, members]) => counted.has(members.get(userA) ?? '') && counted.has(members.get(userB) ?? ''))
      .map(([roomId]) => roomId)
      .sort();
  }
}

/** Sends the number of rooms on the page as `count` instead of the total. */
export class PageCountDouble extends HomeserverDouble {
  protected override page(request: MutualRoomsRequest, offset: number) {
    const page = super.page(request, offset);
    return { ...page, count: page.joined.length };
  }
}

/** Responds to a user it does not know with 404 M_NOT_FOUND instead of an empty list. */
export class UnknownUserNotFoundDouble extends HomeserverDouble {
  protected override unknownUser(): Reply {
    return matrixError(404, 'M_NOT_FOUND', 'User not found');
  }
}

/** Sends 401 with a message but no errcode. */
export class UnauthorizedWithoutErrcodeDouble extends HomeserverDouble {
  protected override unauthorized(_errcode: string, error: string): Reply {
    return { status: 401, body: { error } };
  }
}

/** Sends no CORS headers and rejects OPTIONS. */
export class NoCorsDouble extends HomeserverDouble {
  protected override corsHeaders(): Record<string, string> {
    return {};
  }

  protected override preflight(): Reply {
    return this.wrongMethod();
  }
}

/** Advertises the unstable flag but does not route the unstable path. */
export class UnroutedUnstableFlagDouble extends HomeserverDouble {
  protected override unstableEndpoint(): undefined {
    return undefined;
  }
}

/** Responds to unknown paths and wrong methods with a web framework's default HTML 404. */
export class FrameworkNotFoundDouble extends HomeserverDouble {
  protected override unknownEndpoint(): Reply {
    return { status: 404, body: '<!DOCTYPE html><pre>Cannot GET</pre>' };
  }

  protected override wrongMethod(): Reply {
    return { status: 404, body: '<!DOCTYPE html><pre>Cannot POST</pre>' };
  }
}

/** Sends 429 without Retry-After or retry_after_ms. */
export class RateLimitWithoutDelayDouble extends HomeserverDouble {
  protected override rateLimited(): Reply {
    return matrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests');
  }
}
