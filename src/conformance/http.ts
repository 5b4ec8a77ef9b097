import { setTimeout as sleep } from 'node:timers/promises';
import { ConformanceError, RequestError } from './errors.js';
import type { RequestPacer } from './pacer.js';
import type { Redactor } from './redact.js';

/** Responses with larger bodies are cut at this size; no Mutual Rooms page comes near it. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A rate-limited request is retried at most this often, and only for delays up to the wait. */
const MAX_RATE_LIMIT_RETRIES = 3;
const MAX_RATE_LIMIT_WAIT_MS = 10_000;
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

/** One request the checker sent and the response it got. */
export interface Exchange {
  /** The check that sent the request, or `setup`/`cleanup` for room creation and clean-up. */
  readonly source: string;
  readonly method: string;
  /** Path and query string as sent, with access tokens redacted. */
  readonly target: string;
  /** Path without the query string. */
  readonly path: string;
  readonly status: number;
  /** Response headers with lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The parsed body, or undefined when the body is empty or not JSON. */
  readonly json: unknown;
  readonly isJson: boolean;
}

export interface RequestSpec {
  readonly method?: string;
  /** Absolute path, such as `/_matrix/client/versions`, appended to the base URL. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Access token, sent as `Authorization: Bearer`. */
  readonly token?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait and retry on 429 with the server's delay; default true. */
  readonly retryRateLimited?: boolean;
  /** Wait for the request pacer; default true. Only the rate-limit burst turns it off. */
  readonly paced?: boolean;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly pacer: RequestPacer;
  readonly redact: Redactor;
}

/** Sends the checker's requests and records every exchange for the schema check. */
export class ConformanceClient {
  readonly exchanges: Exchange[] = [];
  /** The check or step that the next requests belong to. */
  source = 'setup';
  requestCount = 0;
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * Sends one request, retrying a 429 with the server's delay when that delay is at most 10 s.
   * Throws RequestError when no response arrives within the timeout.
   */
  async send(spec: RequestSpec): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const exchange = await this.sendOnce(spec);
      if (exchange.status !== 429 || spec.retryRateLimited === false) return exchange;
      if (attempt >= MAX_RATE_LIMIT_RETRIES) return exchange;

      const delay = retryDelayMs(exchange) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
      if (delay > MAX_RATE_LIMIT_WAIT_MS) return exchange;
      await sleep(delay);
    }
  }

  private async sendOnce(spec: RequestSpec): Promise<Exchange> {
    const method = spec.method ?? 'GET';
    const query = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : '';
    const target = `${spec.path}${query}`;
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.token !== undefined) headers.Authorization = `Bearer ${spec.token}`;
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';

    if (spec.paced !== false) await this.options.pacer.wait();
    this.requestCount++;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const label = this.options.redact(`${method} ${this.base}${target}`);
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(`${this.base}${target}`, {
        method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        redirect: 'manual',
        signal,
      });
      text = await readBody(response);
    } catch (error) {
      throw this.requestError(label, error, signal.aborted);
    }

    const exchange = this.record(spec, method, target, response, text);
    this.exchanges.push(exchange);
    return exchange;
  }

  private record(spec: RequestSpec, method: string, target: string, response: Response, text: string) {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const { json, isJson } = parseJson(text);
    return {
      source: this.source,
      method,
      target: this.options.redact(target),
      path: spec.path,
      status: response.status,
      headers,
      text,
      json,
      isJson,
    } satisfies Exchange;
  }

  private requestError(label: string, error: unknown, timedOut: boolean): RequestError {
    if (timedOut) {
      return new RequestError(`${label} timed out after ${this.options.timeoutMs} ms`, true, {
        cause: error,
      });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return new RequestError(this.options.redact(`${label} failed: ${reason}`), false, { cause: error });
  }
}

/**
 * Sends a request that the checks depend on, such as whoami or room creation. No response means
 * the run cannot go on, so a RequestError becomes an `unreachable` ConformanceError.
 */
export async function sendDuringSetup(client: ConformanceClient, spec: RequestSpec): Promise<Exchange> {
  try {
    return await client.send(spec);
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    throw new ConformanceError('unreachable', `${error.message}; the checks cannot run without it`, {
      cause: error,
    });
  }
}

async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (bytes > MAX_BODY_BYTES) {
      await reader.cancel();
      return text;
    }
  }
}

function parseJson(text: string): { json: unknown; isJson: boolean } {
  if (text.trim() === '') return { json: undefined, isJson: false };
  try {
    return { json: JSON.parse(text), isJson: true };
  } catch {
    return { json: undefined, isJson: false };
  }
}

/**
 * Returns the retry delay of a 429 in milliseconds: the `Retry-After` header (seconds or an HTTP
 * date) when present, else `retry_after_ms` from the body, else undefined.
 */
export function retryDelayMs(exchange: Exchange): number | undefined {
  const header = exchange.headers['retry-after']?.trim();
  if (header !== undefined && header !== '') {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const body = exchange.json as { retry_after_ms?: unknown } | undefined;
  const fromBody = body?.retry_after_ms;
  if (Number.isInteger(fromBody) && (fromBody as number) >= 0) return fromBody as number;
  return undefined;
}

/** Returns the `errcode` of a Matrix error body, if the body has a string one. */
export function errcodeOf(exchange: Exchange): string | undefined {
  const errcode = (exchange.json as { errcode?: unknown } | undefined)?.errcode;
  return typeof errcode === 'string' ? errcode : undefined;
}

/** Describes a response for a failure message: status, then the body cut to 200 characters. */
export function describeResponse(exchange: Exchange): string {
  const body = exchange.text.replace(/\s+/g, ' ').trim();
  if (body === '') return `${exchange.status} with an empty body`;
  return `${exchange.status} ${body.length > 200 ? `${body.slice(0, 200)}…` : body}`;
}
