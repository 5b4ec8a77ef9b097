import type { Request, RequestHandler } from 'express';
import { type MatrixError, matrixErrors } from '../matrix/errors.js';
import type { MembershipStore } from '../store/types.js';
import { hashAccessToken } from './access-tokens.js';
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
 * Authenticates requests against the store's token hashes, once per request. The route reads the
 * outcome of the lookup that `middleware` started.
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

  /** Returns the user of `req`, or throws the Matrix error that rejects it. */
  async requesterOf(req: Request): Promise<string> {
    const outcome = await this.authenticate(req);
    if ('error' in outcome) throw outcome.error;
    return outcome.userId;
  }

  /**
   * Returns middleware that authenticates `GET` requests for `paths` before anything else checks
   * them. A request without a valid access token therefore gets 401 even when its query is also
   * wrong, in the order that the validator's security step gave before. Other methods and paths
   * pass untouched, so they still get 405 or 404 without a token.
   */
  middleware(paths: readonly string[]): RequestHandler {
    const secured = new Set(paths);
    return (req, res, next) => {
      if (req.method !== 'GET' || !secured.has(req.path)) {
        next();
        return;
      }
      // The route label of the request metrics, also for a request rejected here.
      res.locals.route = req.path;
      this.requesterOf(req).then(() => next(), next);
    };
  }

  async #lookUp(req: Request): Promise<AuthOutcome> {
    const read = readAccessToken(req);
    if ('error' in read) return read;
    const userId = await this.#store.findUserByTokenHash(hashAccessToken(read.token));
    return userId === undefined ? { error: matrixErrors.unknownToken() } : { userId };
  }
}
