/**
 * The Matrix errors this server sends, as one catalog: each errcode with its HTTP status. Bodies
 * follow the standard error response of the Client-Server API v1.19: `{ errcode, error }` plus the
 * extra fields an errcode defines.
 */
export const ERRCODE_STATUS = {
  M_MISSING_TOKEN: 401,
  M_UNKNOWN_TOKEN: 401,
  M_MISSING_PARAM: 400,
  M_INVALID_PARAM: 400,
  M_TOO_LARGE: 413,
  M_LIMIT_EXCEEDED: 429,
  M_UNRECOGNIZED: 404,
  M_UNKNOWN: 500,
} as const;

export type Errcode = keyof typeof ERRCODE_STATUS;

/** The JSON body of a Matrix error response. */
export interface MatrixErrorBody {
  readonly errcode: string;
  readonly error: string;
  readonly [field: string]: unknown;
}

export interface MatrixErrorOptions extends ErrorOptions {
  /** HTTP status, when it differs from the errcode's usual one. */
  readonly status?: number;
  /** Extra body fields the errcode defines, such as `retry_after_ms`. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Response headers that go with the error, such as `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failure that the server sends as a Matrix error response. */
export class MatrixError extends Error {
  override readonly name = 'MatrixError';
  readonly status: number;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly errcode: Errcode,
    message: string,
    options: MatrixErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? ERRCODE_STATUS[errcode];
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
  }

  /** Returns the response body: errcode, message and the errcode's extra fields. */
  toBody(): MatrixErrorBody {
    const { errcode: _errcode, error: _error, ...fields } = this.fields;
    return { errcode: this.errcode, error: this.message, ...fields };
  }
}

/** Constructors for every error in the catalog. */
export const matrixErrors = {
  missingToken: (message: string) => new MatrixError('M_MISSING_TOKEN', message),

  /** `soft_logout: false` marks the token as invalid for good, not merely expired (spec v1.19, "Soft logout"). */
  unknownToken: () =>
    new MatrixError('M_UNKNOWN_TOKEN', 'The access token is not recognised; log in again', {
      fields: { soft_logout: false },
    }),

  missingParam: (message: string) => new MatrixError('M_MISSING_PARAM', message),
  invalidParam: (message: string) => new MatrixError('M_INVALID_PARAM', message),
  /** 413 by default; 431 when the request line or headers are too large. */
  tooLarge: (message: string, status = 413) => new MatrixError('M_TOO_LARGE', message, { status }),

  /** 429 with `retry_after_ms` and a `Retry-After` header in whole seconds, rounded up. */
  limitExceeded: (retryAfterMs: number) => {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return new MatrixError('M_LIMIT_EXCEEDED', `Too many requests; retry in ${seconds} s`, {
      fields: { retry_after_ms: retryAfterMs },
      headers: { 'Retry-After': String(seconds) },
    });
  },

  /** 404 for an unknown endpoint, or another 4xx status such as 405 for a known path with the wrong method. */
  unrecognized: (message: string, status = 404, headers: Readonly<Record<string, string>> = {}) =>
    new MatrixError('M_UNRECOGNIZED', message, { status, headers }),

  /** 408 for a request that did not arrive in time. */
  requestTimeout: (message: string) => new MatrixError('M_UNKNOWN', message, { status: 408 }),

  /** 503 when a dependency such as the rate limiter's Redis is down; the cause is logged, not sent. */
  unavailable: (cause?: unknown) =>
    new MatrixError('M_UNKNOWN', 'Service temporarily unavailable; retry later', {
      status: 503,
      cause,
      headers: { 'Retry-After': '1' },
    }),

  /** A generic 500: the server logs the cause and never sends it. */
  unknown: (cause?: unknown) => new MatrixError('M_UNKNOWN', 'Internal server error', { cause }),
} as const;
