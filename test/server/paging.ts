import { expect } from 'vitest';
import { bearer, callApi, type MutualRoomsBody, mutualRoomsUrl } from '../helpers/http.js';

export const TOKEN_CHARSET = /^[0-9A-Za-z._~-]{1,255}$/;

/** Sorts room IDs by UTF-8 bytes, the order the API promises. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Requests one page of mutual rooms and asserts a 200 response. */
export async function fetchPage(
  baseUrl: string,
  token: string,
  userId: string,
  from?: string,
): Promise<MutualRoomsBody> {
  const query: Record<string, string> = { user_id: userId };
  if (from !== undefined) query.from = from;
  const response = await callApi(mutualRoomsUrl(baseUrl, query), bearer(token));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as MutualRoomsBody;
}

/**
 * Follows next_batch until it is absent, calling `between` after each page that has one.
 * Stops with a failed assertion after `maxPages`, so a token that loops cannot hang the test.
 */
export async function collectPages(
  baseUrl: string,
  token: string,
  userId: string,
  maxPages: number,
  between: (page: MutualRoomsBody) => Promise<void> = async () => {},
): Promise<MutualRoomsBody[]> {
  const pages: MutualRoomsBody[] = [];
  let from: string | undefined;
  do {
    expect(pages.length, 'number of pages').toBeLessThan(maxPages);
    const page = await fetchPage(baseUrl, token, userId, from);
    pages.push(page);
    from = page.next_batch;
    if (from !== undefined) await between(page);
  } while (from !== undefined);
  return pages;
}
