import type { ErrorRequestHandler, Request, Response } from 'express';
import { MatrixError, matrixErrors } from '../matrix/errors.js';
import { StoreUnavailableError } from '../store/types.js';
import { checkUserIdParam, repeatedParamError } from './query-params.js';
import { RateLimiterUnavailableError } from './rate-limit-types.js';

/** The fields of the errors express-openapi-validator raises (its HttpError subclasses). */
interface ValidatorError {
  readonly status: number;
  readonly message: string;
  readonly errors: readonly { readonly path?: string; readonly message?: string }[];
  readonly headers?: Readonly<Record<string, string>>;
}

function isValidatorError(error: unknown): error is ValidatorError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ValidatorError>).status === 'number' &&
    Array.isArray((error as Partial<ValidatorError>).errors)
  );
}

/**
 * Returns the error handler of the app, which turns every error into a Matrix error of the
 * catalog. The body is sent as serialised JSON with `res.send`, bypassing the response validator,
 * because the spec has no schema for statuses such as 401 or 404. MatrixError guarantees the shape.
 */
export function createErrorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let matrixError: MatrixError;
    try {
      matrixError = toMatrixError(error, req);
    } catch (cause) {
      matrixError = serverFailure(cause);
    }
    sendMatrixError(res, matrixError);
  };
}

/** Sends `error` as a Matrix error response; 5xx causes go to the request log via `res.locals.cause`. */
export function sendMatrixError(res: Response, error: MatrixError): void {
  const cause = error.status >= 500 ? toError(error.cause ?? error) : undefined;
  if (cause !== undefined) res.locals.cause = cause;
  res.locals.errcode = error.errcode;
  if (res.headersSent) {
    res.destroy(cause);
    return;
  }
  res.status(error.status).set(error.headers).type('application/json').send(JSON.stringify(error.toBody()));
}

/** Maps any error raised while handling `req` to a Matrix error of the catalog. */
export function toMatrixError(error: unknown, req: Request): MatrixError {
  if (error instanceof MatrixError) return error;
  if (!isValidatorError(error)) return serverFailure(error);

  switch (error.status) {
    case 400:
      return describeInvalidRequest(req, error);
    case 404:
      return matrixErrors.unrecognized(
        `Unrecognized request: no endpoint at ${req.originalUrl.split('?')[0]}`,
      );
    case 405:
      return methodNotAllowed(req, error.headers?.Allow ?? 'GET');
    case 413:
      return matrixErrors.tooLarge(`Request too large: ${error.message}`);
    default:
      // Response validation failures arrive here as 500: a handler produced a body off the spec.
      if (error.status >= 500) return matrixErrors.unknown(error);
      return matrixErrors.unrecognized(`Unrecognized request: ${error.message}`, error.status);
  }
}

/**
 * Maps a failure that is not the client's: 503 when the database or the rate limiter's Redis is
 * unreachable, so clients retry and the server recovers once it is back; 500 for anything else.
 */
export function serverFailure(cause: unknown): MatrixError {
  if (cause instanceof StoreUnavailableError || cause instanceof RateLimiterUnavailableError) {
    return matrixErrors.unavailable(cause);
  }
  return matrixErrors.unknown(cause);
}

/** Names the query parameter at fault and the expected form, from the raw query string. */
function describeInvalidRequest(req: Request, error: ValidatorError): MatrixError {
  const userId = checkUserIdParam(req);
  if ('error' in userId) return userId.error;
  return repeatedParamError(req, 'from') ?? matrixErrors.invalidParam(`Invalid request: ${error.message}`);
}

/** Returns the 405 error for a method other than the ones in `allow` on a routed path. */
export function methodNotAllowed(req: Request, allow: string): MatrixError {
  return matrixErrors.unrecognized(
    `Unrecognized request: ${req.method} is not allowed on ${req.path}; use ${allow}`,
    405,
    { Allow: allow },
  );
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
