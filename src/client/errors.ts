/** Fields of a {@link MatrixError}. */
export interface MatrixErrorInit {
  readonly status: number;
  readonly errcode: string;
  readonly error: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly method: string;
  /** Request URL with the access token redacted. */
  readonly url: string;
  /** The parsed JSON body, or the text when the body is not JSON. */
  readonly body: unknown;
}

/**
 * A response with a status other than 2xx. `errcode` and `error` come from the Matrix error body.
 * A body without an `errcode` string, such as a proxy's error page, gets the catch-all `M_UNKNOWN`.
 */
export class MatrixError extends Error implements MatrixErrorInit {
  override readonly name = 'MatrixError';
  readonly status: number;
  readonly errcode: string;
  readonly error: string | undefined;
  /** Delay the server asked for before a retry, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  readonly method: string;
  readonly url: string;
  readonly body: unknown;

  constructor(init: MatrixErrorInit) {
    const detail = init.error === undefined ? init.errcode : `${init.errcode}: ${init.error}`;
    super(`${init.method} ${init.url} failed with HTTP ${init.status} ${detail}`);
    this.status = init.status;
    this.errcode = init.errcode;
    this.error = init.error;
    this.retryAfterMs = init.retryAfterMs;
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
  }
}

/** The request failed before a complete response arrived: DNS, connection, TLS or a cut body. */
export class MatrixNetworkError extends Error {
  override readonly name = 'MatrixNetworkError';
  readonly method: string;
  /** Request URL with the access token redacted. */
  readonly url: string;

  constructor(method: string, url: string, cause: unknown) {
    super(`${method} ${url} failed without a complete response: ${describe(cause)}`, { cause });
    this.method = method;
    this.url = url;
  }
}

/** A 2xx response whose body is not the JSON object the endpoint defines. */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponseError';
  readonly status: number;
  readonly method: string;
  /** Request URL with the access token redacted. */
  readonly url: string;

  constructor(method: string, url: string, status: number, problem: string) {
    super(`${method} ${url} returned HTTP ${status} with an invalid body: ${problem}`);
    this.status = status;
    this.method = method;
    this.url = url;
  }
}

/** The homeserver advertises neither the stable nor the unstable Mutual Rooms endpoint. */
export class UnsupportedServerError extends Error {
  override readonly name = 'UnsupportedServerError';
  readonly baseUrl: string;
  /** Spec versions from `GET /_matrix/client/versions`. */
  readonly versions: readonly string[];

  constructor(baseUrl: string, versions: readonly string[], message: string) {
    super(message);
    this.baseUrl = baseUrl;
    this.versions = versions;
  }
}

/** The server returned a `next_batch` token that it had already returned for the same listing. */
export class PaginationLoopError extends Error {
  override readonly name = 'PaginationLoopError';
  readonly userId: string;
  readonly token: string;
  /** 1-based number of the page that repeated the token. */
  readonly page: number;

  constructor(userId: string, token: string, page: number) {
    super(
      `Mutual rooms with ${userId}: page ${page} returned next_batch "${token}", which an earlier page ` +
        'already returned. Stopped to avoid an endless loop. The server pagination is broken or ignores `from`.',
    );
    this.userId = userId;
    this.token = token;
    this.page = page;
  }
}

/** Replaces the value of every `access_token` query parameter in `url` with `<redacted>`. */
export function redactAccessToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/g, '$1<redacted>');
}

/**
 * Converts a `Retry-After` header (RFC 9110: delay in seconds or an HTTP date) to milliseconds.
 * An HTTP date counts from the response's `Date` header when present, so clock skew between
 * client and server does not change the delay, and from `now` otherwise. Returns undefined when
 * the header is missing or unparsable.
 */
export function parseRetryAfter(
  header: string | null,
  dateHeader: string | null,
  now: number,
): number | undefined {
  if (header === null) {
    return undefined;
  }

  const value = header.trim();
  if (/^\d+$/.test(value)) {
    return Number(value) * 1000;
  }

  const retryAt = Date.parse(value);
  if (Number.isNaN(retryAt)) {
    return undefined;
  }

  const serverNow = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  const reference = Number.isNaN(serverNow) ? now : serverNow;
  return Math.max(0, retryAt - reference);
}

/** Describes an error and, one level down, its own cause: undici wraps ECONNREFUSED in "fetch failed". */
function describe(cause: unknown): string {
  if (!(cause instanceof Error)) {
    return String(cause);
  }
  if (cause.cause instanceof Error) {
    return `${cause.message} (${cause.cause.message})`;
  }
  return cause.message;
}
