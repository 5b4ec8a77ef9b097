/**
 * A run that could not start or go on: `usage` for invalid options or rejected credentials,
 * `unreachable` when the server does not respond. The CLI exits with 2 for both.
 */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';

  constructor(
    readonly kind: 'usage' | 'unreachable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request that got no HTTP response: a network failure or a timeout. */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
