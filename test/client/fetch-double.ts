/**
 * A homeserver stand-in for client unit tests: a fetch function that records every request and
 * returns the response of a handler, so the tests see exactly what the client sends.
 */

export type Handler = (request: Request, url: URL) => Response | Promise<Response>;

export interface FetchDouble {
  readonly fetch: (request: Request) => Promise<Response>;
  /** Every request the client sent, in order. */
  readonly requests: Request[];
  /** URLs of `requests`, parsed. */
  urls(): URL[];
}

export function createFetchDouble(handler: Handler): FetchDouble {
  const requests: Request[] = [];
  return {
    requests,
    fetch: async (request) => {
      requests.push(request);
      return handler(request, new URL(request.url));
    },
    urls: () => requests.map((request) => new URL(request.url)),
  };
}

/** Creates a JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export const STABLE_PATH = '/_matrix/client/v1/mutual_rooms';
export const UNSTABLE_PATH = '/_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms';
export const VERSIONS_PATH = '/_matrix/client/versions';

export const BASE_URL = 'https://matrix.example.org';
export const TOKEN = 'syt_secret_token_123';
export const BOB = '@bob:example.org';

export interface Page {
  joined: string[];
  next_batch?: string;
}

/**
 * Serves `pages` on `path`: the first page without `from`, then the page stored under each
 * `from` token. An unknown token gets 400 M_INVALID_PARAM, as the spec requires.
 */
export function pagedRooms(
  path: string,
  pages: Record<string, Page>,
  versions: unknown = { versions: ['v1.19'] },
): Handler {
  const count = new Set(Object.values(pages).flatMap((page) => page.joined)).size;
  return (_request, url) => {
    if (url.pathname === VERSIONS_PATH) {
      return json(200, versions);
    }
    if (url.pathname !== path) {
      return json(404, { errcode: 'M_UNRECOGNIZED', error: `No route for ${url.pathname}` });
    }

    const page = pages[url.searchParams.get('from') ?? ''];
    if (page === undefined) {
      return json(400, { errcode: 'M_INVALID_PARAM', error: 'Unknown from token' });
    }
    return json(200, { ...page, count });
  };
}

/** Returns a fetch result that never resolves and rejects with the abort reason once the request's signal aborts. */
export function hangUntilAborted(request: Request): Promise<Response> {
  return new Promise((_resolve, reject) => {
    if (request.signal.aborted) {
      reject(request.signal.reason);
      return;
    }
    request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
  });
}
