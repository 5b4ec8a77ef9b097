/**
 * Checks of the query parameters. The route runs them with the OpenAPI validator on or off, and
 * the error handler uses the same messages for the validator's rejections, so both modes send the
 * same errors.
 */
import type { Request } from 'express';
import { type MatrixError, matrixErrors } from '../matrix/errors.js';
import { userIdProblem } from '../matrix/identifiers.js';
import { quoteValue } from '../matrix/quote.js';
import { queryValues } from './request-query.js';
import type { EndpointKind } from './routes.js';

/** Code points of a value quoted in an error message, so a huge value does not fill the body. */
const MAX_ECHOED_CHARS = 80;

/** The `user_id` value, or the error for a missing, repeated or malformed one. */
export type UserIdParam = { readonly userId: string } | { readonly error: MatrixError };

/** The pagination token and the query parameter that carried it. */
export interface PaginationParam {
  readonly name: string;
  readonly token: string;
}

/** Checks `user_id` against the user ID grammar of the Matrix appendices, historical IDs included. */
export function checkUserIdParam(req: Request): UserIdParam {
  const values = queryValues(req, 'user_id');
  const [userId] = values;
  if (userId === undefined) {
    return {
      error: matrixErrors.missingParam(
        'Missing query parameter user_id: give a user ID such as @alice:example.org',
      ),
    };
  }
  if (values.length > 1) return { error: repeatedParam('user_id', values.length) };

  const problem = userIdProblem(userId);
  if (problem !== undefined) {
    return {
      error: matrixErrors.invalidParam(
        `Query parameter user_id ${quoteValue(userId, MAX_ECHOED_CHARS)} is not a user ID: ${problem}. Use the form @alice:example.org`,
      ),
    };
  }
  return { userId };
}

/**
 * Returns the pagination token of the request, or undefined on the first page. The spec names it
 * `from`. The unstable path also accepts `batch_token`, which matrix-js-sdk 37 sends; a request
 * that gives the token twice, under either name, is rejected.
 */
export function readPaginationParam(req: Request, kind: EndpointKind): PaginationParam | undefined {
  const names = kind === 'unstable' ? ['from', 'batch_token'] : ['from'];
  const present = names
    .map((name) => ({ name, values: queryValues(req, name) }))
    .filter((param) => param.values.length > 0);
  for (const param of present) {
    if (param.values.length > 1) throw repeatedParam(param.name, param.values.length);
  }
  if (present.length > 1) {
    throw matrixErrors.invalidParam(
      'Query parameters from and batch_token both carry the pagination token; give only one of them',
    );
  }

  const [param] = present;
  const [token] = param?.values ?? [];
  return param === undefined || token === undefined ? undefined : { name: param.name, token };
}

/** Returns the error for a query parameter that was given `count` times, or undefined for at most once. */
export function repeatedParamError(req: Request, name: string): MatrixError | undefined {
  const count = queryValues(req, name).length;
  return count > 1 ? repeatedParam(name, count) : undefined;
}

function repeatedParam(name: string, count: number): MatrixError {
  return matrixErrors.invalidParam(`Query parameter ${name} was given ${count} times; give it once`);
}
