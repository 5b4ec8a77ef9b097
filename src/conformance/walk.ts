import { describeResponse, type Exchange } from './http.js';
import { PAGINATION_TOKEN } from './matrix-ids.js';
import type { Failure } from './types.js';

/** The walk stops after this many pages even when `count` allows more. */
export const MAX_WALK_PAGES = 1000;

/** Failures of one kind are listed at most this often; the rest are summed up. */
const MAX_LISTED = 5;

/** The result of a walk over every page of one user pair's mutual rooms. */
export interface WalkResult {
  /** Distinct room IDs in the order they were listed. */
  readonly rooms: readonly string[];
  readonly pages: number;
  /** Every `next_batch` the server sent, in order. */
  readonly tokens: readonly string[];
  /** `count` of the first page, if it had one. */
  readonly count?: number;
  /** Whether the server stopped sending `next_batch`; false when the walk was cut short. */
  readonly ended: boolean;
  /** Breaches of the pagination rules. */
  readonly failures: readonly Failure[];
  readonly notes: readonly string[];
}

interface Page {
  readonly joined: readonly string[];
  readonly count: number;
  readonly nextBatch?: string;
}

/** Fetches one page; `from` is absent for the first. */
export type PageRequest = (from: string | undefined) => Promise<Exchange>;

/**
 * Follows `next_batch` until the server stops sending one, and checks the pagination rules.
 * Tokens match `[0-9A-Za-z._~-]{1,255}` and never repeat, and no room is listed twice. `count`
 * is the same on every page and equals the number of distinct rooms listed. The walk ends within
 * `count` pages, or one page when `count` is 0. A repeated token or a page past that limit ends
 * the walk.
 */
export async function walkMutualRooms(requestPage: PageRequest): Promise<WalkResult> {
  const state = new WalkState();
  let from: string | undefined;

  for (;;) {
    const exchange = await requestPage(from);
    const page = state.readPage(exchange);
    if (!page) return state.result(false);

    if (page.nextBatch === undefined) return state.result(true);
    if (!state.acceptToken(page.nextBatch)) return state.result(false);
    if (state.pages >= MAX_WALK_PAGES) {
      state.notes.push(`walk stopped after ${MAX_WALK_PAGES} pages; later pages were not checked`);
      return state.result(false);
    }
    from = page.nextBatch;
  }
}

class WalkState {
  readonly rooms = new Set<string>();
  readonly tokens: string[] = [];
  readonly failures: Failure[] = [];
  readonly notes: string[] = [];
  readonly repeatedRooms: string[] = [];
  readonly badTokens: string[] = [];
  pages = 0;
  count?: number;

  /** Reads one page and records its rooms; returns undefined when the body is not a valid page. */
  readPage(exchange: Exchange): Page | undefined {
    this.pages++;
    const page = parsePage(exchange);
    if (typeof page === 'string') {
      this.failures.push({
        case: `page ${this.pages}`,
        expected: `200 with a joined array and an integer count${this.pages > 1 ? ' for a next_batch the server sent' : ''}`,
        actual: page,
      });
      return undefined;
    }

    if (this.count === undefined) this.count = page.count;
    else if (page.count !== this.count) {
      this.failures.push({
        case: `page ${this.pages}`,
        expected: `count ${this.count} as on page 1`,
        actual: `count ${page.count}`,
      });
    }

    for (const roomId of page.joined) {
      if (this.rooms.has(roomId)) this.repeatedRooms.push(roomId);
      else this.rooms.add(roomId);
    }
    return page;
  }

  /** Checks a `next_batch`; returns false when the walk must stop. */
  acceptToken(token: string): boolean {
    if (!PAGINATION_TOKEN.test(token)) this.badTokens.push(token);

    if (this.tokens.includes(token)) {
      this.failures.push({
        case: `page ${this.pages}`,
        expected: 'a next_batch not sent before',
        actual: `${describeToken(token)}, first sent on page ${this.tokens.indexOf(token) + 1}`,
      });
      return false;
    }
    this.tokens.push(token);

    const limit = Math.max(this.count ?? 0, 1);
    if (this.pages >= limit) {
      this.failures.push({
        case: `page ${this.pages}`,
        expected: `the walk to end within ${limit} page${limit === 1 ? '' : 's'} (count ${this.count})`,
        actual: `page ${this.pages} has next_batch ${describeToken(token)}`,
      });
      return false;
    }
    return true;
  }

  result(ended: boolean): WalkResult {
    this.summarizeTokens();
    this.summarizeRepeats();
    if (ended && this.count !== undefined && this.rooms.size !== this.count) {
      this.failures.push({
        case: 'count',
        expected: `count equal to the ${this.rooms.size} distinct room${this.rooms.size === 1 ? '' : 's'} listed`,
        actual: `count ${this.count}`,
      });
    }
    return {
      rooms: [...this.rooms],
      pages: this.pages,
      tokens: this.tokens,
      count: this.count,
      ended,
      failures: this.failures,
      notes: this.notes,
    };
  }

  private summarizeTokens(): void {
    if (this.badTokens.length === 0) return;
    const listed = this.badTokens.slice(0, MAX_LISTED).map(describeToken).join(', ');
    const more = this.badTokens.length > MAX_LISTED ? ` and ${this.badTokens.length - MAX_LISTED} more` : '';
    this.failures.push({
      case: 'token format',
      expected: `every next_batch matching ${PAGINATION_TOKEN.source}`,
      actual: `${listed}${more}`,
    });
  }

  private summarizeRepeats(): void {
    if (this.repeatedRooms.length === 0) return;
    const listed = this.repeatedRooms.slice(0, MAX_LISTED).join(', ');
    const more =
      this.repeatedRooms.length > MAX_LISTED ? ` and ${this.repeatedRooms.length - MAX_LISTED} more` : '';
    this.failures.push({
      case: 'repeated rooms',
      expected: 'each room listed once',
      actual: `listed again: ${listed}${more}`,
    });
  }
}

/** Returns the page, or a description of why the response is not one. */
function parsePage(exchange: Exchange): Page | string {
  if (exchange.status !== 200 || !exchange.isJson) return describeResponse(exchange);
  const body = exchange.json as { joined?: unknown; count?: unknown; next_batch?: unknown } | null;
  if (typeof body !== 'object' || body === null) return describeResponse(exchange);

  const { joined, count, next_batch: nextBatch } = body;
  if (!Array.isArray(joined) || !joined.every((roomId) => typeof roomId === 'string')) {
    return `joined is not an array of strings: ${describeResponse(exchange)}`;
  }
  if (!Number.isInteger(count) || (count as number) < 0) {
    return `count is not a non-negative integer: ${describeResponse(exchange)}`;
  }
  if (nextBatch !== undefined && typeof nextBatch !== 'string') {
    return `next_batch is neither absent nor a string: ${describeResponse(exchange)}`;
  }
  return { joined, count: count as number, nextBatch };
}

/** Quotes a token, cut to 40 characters, with its length when longer. */
export function describeToken(token: string): string {
  if (token.length <= 40) return `'${token}'`;
  return `'${token.slice(0, 40)}…' (${token.length} characters)`;
}
