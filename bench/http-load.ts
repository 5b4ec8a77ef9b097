/**
 * HTTP load with autocannon (programmatic API): a fixed number of connections, each sending its
 * next request when the previous response arrives, for a fixed time. Each connection rotates
 * through the pairs of its scenario; in `heavy-walk` it follows `next_batch` to the last page
 * before it moves to the next pair.
 */
import autocannon from 'autocannon';
import { MUTUAL_ROOMS_PATH, resolveBasePath } from '../src/server/openapi.js';
import { LatencyRecorder, type LatencySummary, round } from './stats.js';
import type { Scenario } from './store-query.js';

/** A pair as the load generator sends it: the requester's access token and the other user. */
export interface LoadPair {
  readonly accessToken: string;
  readonly userId: string;
}

export interface LoadOptions {
  /** Base URL of the server, such as `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly scenario: Scenario;
  readonly pairs: readonly LoadPair[];
  readonly connections: number;
  readonly durationSeconds: number;
  /** Seconds per response before autocannon counts a timeout. */
  readonly timeoutSeconds?: number;
}

export interface LoadResult {
  readonly scenario: Scenario;
  readonly connections: number;
  readonly seconds: number;
  /** 2xx responses; each is one page. */
  readonly responses: number;
  readonly requestsPerSecond: number;
  /** Requests per second of each load run that was summed into this result, in order. */
  readonly rounds: readonly number[];
  readonly latency: LatencySummary;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Walks that reached the last page, for `heavy-walk`. */
  readonly walks?: number;
  readonly walksPerSecond?: number;
  readonly walkLatency?: LatencySummary;
}

interface ConnectionState {
  pair: LoadPair;
  from: string | undefined;
  walkStarted: number;
}

/** Returns the request path of one page for `pair`. */
export function pagePath(pair: LoadPair, from: string | undefined): string {
  const query = new URLSearchParams({ user_id: pair.userId });
  if (from !== undefined) query.set('from', from);
  return `${resolveBasePath()}${MUTUAL_ROOMS_PATH}?${query.toString()}`;
}

/**
 * Sums several load runs of one scenario against one server, so runs interleaved with other
 * servers' runs add up to one result.
 */
export class LoadAccumulator {
  readonly latencies = new LatencyRecorder();
  readonly walkLatencies = new LatencyRecorder();
  #seconds = 0;
  #non2xx = 0;
  #errors = 0;
  #timeouts = 0;
  #countedResponses = 0;
  readonly #rounds: number[] = [];

  add(result: autocannon.Result): void {
    const responses = this.latencies.length - this.#countedResponses;
    this.#countedResponses = this.latencies.length;
    this.#rounds.push(Math.round(responses / result.duration));
    this.#seconds += result.duration;
    this.#non2xx += result.non2xx;
    this.#errors += result.errors;
    this.#timeouts += result.timeouts;
  }

  result(scenario: Scenario, connections: number): LoadResult {
    const seconds = round(this.#seconds, 2);
    const responses = this.latencies.length;
    const walks = this.walkLatencies.length;
    return {
      scenario,
      connections,
      seconds,
      responses,
      requestsPerSecond: Math.round(responses / seconds),
      rounds: [...this.#rounds],
      latency: this.latencies.summary(),
      non2xx: this.#non2xx,
      errors: this.#errors,
      timeouts: this.#timeouts,
      ...(scenario === 'heavy-walk'
        ? { walks, walksPerSecond: round(walks / seconds, 2), walkLatency: this.walkLatencies.summary() }
        : {}),
    };
  }
}

/**
 * Runs one bounded load and returns its throughput and latency percentiles, counting them into
 * `accumulator` as well when one is given.
 */
export async function runLoad(
  options: LoadOptions,
  accumulator: LoadAccumulator = new LoadAccumulator(),
): Promise<LoadResult> {
  const { pairs, scenario } = options;
  if (pairs.length === 0) throw new Error(`no pairs for scenario ${scenario}`);
  const follow = scenario === 'heavy-walk';
  const { latencies, walkLatencies } = accumulator;
  let nextPair = 0;
  const takePair = () => pairs[nextPair++ % pairs.length] as LoadPair;

  // Each connection keeps its own state in these closures; setupRequest only reads it, because
  // autocannon also calls it to prebuild requests that are never sent.
  const setupClient = (client: autocannon.Client) => {
    const state: ConnectionState = { pair: takePair(), from: undefined, walkStarted: performance.now() };
    client.setRequests([
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          path: pagePath(state.pair, state.from),
          headers: { ...request.headers, authorization: `Bearer ${state.pair.accessToken}` },
        }),
        onResponse: (status, body) => {
          const nextBatch =
            follow && status === 200 ? (JSON.parse(body) as { next_batch?: string }).next_batch : undefined;
          if (nextBatch !== undefined) {
            state.from = nextBatch;
            return;
          }
          if (follow && status === 200) walkLatencies.record(performance.now() - state.walkStarted);
          state.pair = takePair();
          state.from = undefined;
          state.walkStarted = performance.now();
        },
      },
    ]);
  };

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: options.timeoutSeconds ?? 10,
        setupClient,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.record(responseTime);
    });
  });
  accumulator.add(result);
  return accumulator.result(scenario, options.connections);
}
