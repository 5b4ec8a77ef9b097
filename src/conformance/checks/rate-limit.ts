import { describeResponse, type Exchange, errcodeOf } from '../http.js';
import type { Session } from '../session.js';
import type { Failure } from '../types.js';
import { type CheckDefinition, outcomeOf, skip } from './types.js';

/** Requests of the burst in flight at once. */
const BURST_CONCURRENCY = 10;

/** The maximum delay this checker accepts as usable: one hour. The spec sets no limit. */
const MAX_USABLE_DELAY_MS = 3_600_000;

/** Failures listed at most; the rest are counted in a note. */
const MAX_LISTED = 5;

async function sendBurst(session: Session): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < session.settings.burst) {
      next++;
      await session.client.send({
        path: session.settings.stablePath,
        query: { user_id: session.partner },
        token: session.settings.tokenA,
        paced: false,
        retryRateLimited: false,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(BURST_CONCURRENCY, session.settings.burst) }, worker));
}

/** Returns why the delay of a 429 is not usable, or undefined when it is. */
export function delayProblem(exchange: Exchange): string | undefined {
  const header = exchange.headers['retry-after']?.trim();
  if (header !== undefined) {
    if (/^\d+$/.test(header)) {
      if (Number(header) * 1000 > MAX_USABLE_DELAY_MS) return `Retry-After ${header} is over an hour`;
    } else if (Number.isNaN(Date.parse(header))) {
      return `Retry-After '${header}' is neither seconds nor an HTTP date`;
    }
  }

  const body = (exchange.json ?? {}) as { retry_after_ms?: unknown };
  const delay = body.retry_after_ms;
  if (delay !== undefined) {
    if (!Number.isInteger(delay) || (delay as number) < 0)
      return `retry_after_ms ${JSON.stringify(delay)} is not a non-negative integer`;
    if ((delay as number) > MAX_USABLE_DELAY_MS) return `retry_after_ms ${delay} is over an hour`;
  }
  if (header === undefined && delay === undefined) return 'neither a Retry-After header nor retry_after_ms';
  return undefined;
}

export const rateLimit: CheckDefinition = {
  id: 'rate-limit.429',
  description:
    'Every 429 has errcode M_LIMIT_EXCEEDED and a usable delay (Retry-After header or retry_after_ms)',
  async run(session) {
    if (!session.settings.rateLimit)
      return skip('not requested: pass --rate-limit to send a burst of requests');

    await sendBurst(session);
    const limited = session.client.exchanges.filter((exchange) => exchange.status === 429);
    if (limited.length === 0) {
      return skip(
        `no response was 429 after a burst of ${session.settings.burst} requests; raise --burst to reach the server's limit`,
      );
    }

    // Responses with the same problem are listed once, with how often they came.
    const byProblem = new Map<string, { exchange: Exchange; times: number }>();
    for (const exchange of limited) {
      const errcode = errcodeOf(exchange);
      const problems = [delayProblem(exchange)];
      if (errcode !== 'M_LIMIT_EXCEEDED') problems.unshift(`errcode ${errcode ?? 'absent'}`);
      const found = problems.filter((problem) => problem !== undefined).join('; ');
      if (found === '') continue;
      const seen = byProblem.get(found);
      if (seen) seen.times++;
      else byProblem.set(found, { exchange, times: 1 });
    }

    const failures: Failure[] = [...byProblem].map(([problem, { exchange, times }]) => ({
      case: `${times} of ${limited.length} responses with 429, such as ${exchange.method} ${exchange.target}`,
      expected: '429 M_LIMIT_EXCEEDED with a Retry-After header or retry_after_ms of at most an hour',
      actual: `${problem}: ${describeResponse(exchange)}`,
    }));
    const notes = [`${limited.length} response${limited.length === 1 ? '' : 's'} with 429`];
    if (failures.length > MAX_LISTED) notes.push(`${failures.length - MAX_LISTED} more failures not listed`);
    return outcomeOf(failures.slice(0, MAX_LISTED), notes);
  },
};
