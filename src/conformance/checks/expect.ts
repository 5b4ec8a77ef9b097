import { describeResponse, type Exchange, errcodeOf } from '../http.js';
import type { Failure } from '../types.js';

/**
 * Returns a failure unless the response has `status` and one of `errcodes`; `caseName` names
 * the case in the failure.
 */
export function expectMatrixError(
  exchange: Exchange,
  status: number,
  errcodes: readonly string[],
  caseName?: string,
): Failure | undefined {
  if (exchange.status === status && errcodes.includes(errcodeOf(exchange) ?? '')) return undefined;
  return {
    ...(caseName === undefined ? {} : { case: caseName }),
    expected: `${status} ${errcodes.join(' or ')}`,
    actual: describeResponse(exchange),
  };
}

/** Keeps the failures that are defined. */
export function present(failures: ReadonlyArray<Failure | undefined>): Failure[] {
  return failures.filter((failure): failure is Failure => failure !== undefined);
}
