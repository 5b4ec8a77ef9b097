import type { Request } from 'express';
import type { SecurityHandlers } from 'express-openapi-validator/dist/framework/types.js';
import { type MatrixError, matrixErrors } from '../matrix/errors.js';
import type { MembershipStore } from '../store/types.js';
import { hashAccessToken } from './access-tokens.js';
import { serverFailure } from './error-handler.js';
import { queryValues } from './request-query.js';

/** The authenticated user, or the Matrix error that rejects the request. */
export type AuthOutcome = { readonly userId: string } | { readonly error: MatrixError };

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Reads the access token from the `Authorization: Bearer` header or the `access_token` query
 * parameter, the two ways of the Client-Server API v1.19 ("Using access tokens"). A request that
 * uses both, repeats the parameter or sends another scheme gets M_MISSING_TOKEN.
 */
export function readAccessToken(req: Request): { readonly token: string } | { readonly error: MatrixError } {
  const header = req.headers.authorization;
  const queryTokens = queryValues(req, 'access_token');

  if (header !== undefined && queryTokens.length > 0) {
    return fail('Send the access token either in the Authorization header or as access_token, not both');
  }
  if (header !== undefined) {
    const token = BEARER.exec(header)?.[1];
    return token === undefined
      ? fail('The Authorization header must have the form "Bearer <access token>"')
      : { token };
  }
  if (queryTokens.length > 1) return fail('Give the access_token query parameter once');
  const token = queryTokens[0];
  if (token === undefined || token === '') {
    return fail('Missing access token: send the header "Authorization: Bearer <access token>"');
  }
  return { token };
}

function fail(message: string): { readonly error: MatrixError } {
  return { error: matrixErrors.missingToken(message) };
}

/**
 * Authenticates requests against the store's token hashes, once per request. The validator
 * calls both security handlers of the spec, and the route and error handler read the same
 * outcome afterwards.
 */
export class Authenticator {
  readonly #store: MembershipStore;
  readonly #outcomes = new WeakMap<Request, Promise<AuthOutcome>>();

  constructor(store: MembershipStore) {
    this.#store = store;
  }

  /** Returns the outcome for `req`, looking the token up on the first call. */
  authenticate(req: Request): Promise<AuthOutcome> {
    let outcome = this.#outcomes.get(req);
    if (outcome === undefined) {
      outcome = this.#lookUp(req);
      this.#outcomes.set(req, outcome);
    }
    return outcome;
  }

  /** Returns why authentication of `req` failed: a Matrix error, 503 or 500 when the store failed. */
  async failureOf(req: Request): Promise<MatrixError> {
    const pending = this.#outcomes.get(req);
    if (pending === undefined) {
      const read = readAccessToken(req);
      return 'error' in read ? read.error : matrixErrors.missingToken('Missing access token');
    }
    try {
      const outcome = await pending;
      return 'error' in outcome ? outcome.error : matrixErrors.unknown(new Error('authentication succeeded'));
    } catch (cause) {
      return serverFailure(cause);
    }
  }

  /** Returns the user of a request that passed the validator's security check. */
  async requesterOf(req: Request): Promise<string> {
    const outcome = await this.authenticate(req);
    if ('error' in outcome) throw outcome.error;
    return outcome.userId;
  }

  /** Handlers for the `accessTokenQuery` and `accessTokenBearer` security schemes. */
  securityHandlers(): SecurityHandlers {
    const check = async (req: Request): Promise<boolean> => {
      await this.requesterOf(req);
      return true;
    };
    return { accessTokenQuery: check, accessTokenBearer: check };
  }

  async #lookUp(req: Request): Promise<AuthOutcome> {
    const read = readAccessToken(req);
    if ('error' in read) return read;
    const userId = await this.#store.findUserByTokenHash(hashAccessToken(read.token));
    return userId === undefined ? { error: matrixErrors.unknownToken() } : { userId };
  }
}
