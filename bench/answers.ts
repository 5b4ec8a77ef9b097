/**
 * Checks a server variant's responses against the dataset manifest before it is loaded, so a
 * variant that responds fast but wrong is reported instead of measured.
 */
import type { DatasetPair } from './dataset.js';
import { type LoadPair, pagePath } from './http-load.js';

/** A manifest pair with the requester's access token. */
export interface TokenPair {
  readonly pair: DatasetPair;
  readonly load: LoadPair;
}

interface PageBody {
  readonly joined?: unknown;
  readonly count?: unknown;
  readonly next_batch?: unknown;
}

/** Bounds a walk, in case a server keeps returning `next_batch`. */
const MAX_PAGES = 10_000;

/**
 * Walks every page of each pair and returns "ok", or the first difference from the manifest:
 * a non-200 status, a `count` other than the pair's shared rooms, a repeated room or a walk that
 * lists a different number of rooms.
 */
export async function checkAnswers(url: string, pairs: readonly TokenPair[]): Promise<string> {
  for (const { pair, load } of pairs) {
    const seen = new Set<string>();
    let from: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const response = await fetch(`${url}${pagePath(load, from)}`, {
        headers: { authorization: `Bearer ${load.accessToken}` },
      });
      const body = (await response.json()) as PageBody;
      const label = `${pair.userA} with ${pair.userB}, page ${page + 1}`;
      if (response.status !== 200) return `${label}: status ${response.status} ${JSON.stringify(body)}`;
      if (body.count !== pair.sharedRooms)
        return `${label}: count ${String(body.count)}, expected ${pair.sharedRooms}`;
      for (const roomId of Array.isArray(body.joined) ? (body.joined as string[]) : []) {
        if (seen.has(roomId)) return `${label}: room ${roomId} listed twice`;
        seen.add(roomId);
      }
      if (typeof body.next_batch !== 'string') break;
      from = body.next_batch;
    }
    if (seen.size !== pair.sharedRooms) {
      return `${pair.userA} with ${pair.userB}: the walk listed ${seen.size} rooms, expected ${pair.sharedRooms}`;
    }
  }
  return 'ok';
}
