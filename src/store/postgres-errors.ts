import { StoreUnavailableError } from './types.js';

/**
 * SQLSTATE codes meaning the server cannot serve now, though it may later: admin_shutdown,
 * crash_shutdown, cannot_connect_now, too_many_connections. Class 08 (connection exception) is
 * matched by prefix.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Node.js socket error codes seen when the server is down or unreachable. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Messages of node-postgres 8 (`pg`, `pg-pool`) for lost or timed-out connections. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Query read timeout',
  'timeout expired',
];

/** Returns whether `error` means the database is unreachable, as opposed to a failed statement. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }

  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code)) {
      return true;
    }
  }
  if (UNAVAILABLE_MESSAGES.some((message) => error.message.startsWith(message))) {
    return true;
  }
  // AggregateError from a connect attempt to every address of a host name.
  if (error instanceof AggregateError) {
    return error.errors.some(isUnavailableError);
  }
  return error.cause !== undefined && isUnavailableError(error.cause);
}

/** Wraps connection failures in {@link StoreUnavailableError}; returns other errors unchanged. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailableError(error)) {
    return error;
  }

  const code = (error as { code?: unknown }).code;
  const reason = (error instanceof Error && error.message) || (typeof code === 'string' ? code : 'unknown');
  return new StoreUnavailableError(`PostgreSQL is unavailable: ${reason}`, { cause: error });
}
