import { expect } from 'vitest';
import { checkResponse } from './response-checker.js';

/** A response with its parsed JSON body (undefined when there is none). */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** The 200 body of GET /mutual_rooms. */
export interface MutualRoomsBody {
  readonly joined: string[];
  readonly count: number;
  readonly next_batch?: string;
}

/** Sends a request and asserts that the response matches the spec, whatever its status. */
export async function callApi(url: string, init: RequestInit = {}): Promise<ApiResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body: unknown = text === '' ? undefined : JSON.parse(text);
  expect(
    checkResponse(response.status, response.headers.get('content-type'), body),
    `${init.method ?? 'GET'} ${url}`,
  ).toEqual([]);
  return { status: response.status, headers: response.headers, body };
}

/** Path of the stable Mutual Rooms endpoint. */
export const STABLE_PATH = '/_matrix/client/v1/mutual_rooms';
/** Path of the MSC2666 unstable Mutual Rooms endpoint. */
export const UNSTABLE_PATH = '/_matrix/client/unstable/uk.half-shot.msc2666/user/mutual_rooms';

/** Builds the mutual rooms URL, the stable one by default, with properly encoded query parameters. */
export function mutualRoomsUrl(
  baseUrl: string,
  query: Record<string, string | string[]>,
  path = STABLE_PATH,
): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, item);
  }
  const search = params.toString();
  return `${baseUrl}${path}${search === '' ? '' : `?${search}`}`;
}

export function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}
