import type { RequestHandler } from 'express';
import { middleware as openApiValidator } from 'express-openapi-validator';
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types.js';
import apiDocument from '../../generated/openapi.json' with { type: 'json' };
import { isRoomId, isUserId } from '../matrix/identifiers.js';

/** The bundled OpenAPI document in `generated/openapi.json`. */
export const OPENAPI_DOCUMENT = apiDocument;

/** The path of the mutual rooms operation, relative to the base path. */
export const MUTUAL_ROOMS_PATH = '/mutual_rooms';

/** ajv formats of the spec, implementing the identifier grammars of the Matrix appendices. */
export const MATRIX_FORMATS = {
  'mx-user-id': { type: 'string', validate: isUserId },
  'mx-room-id': { type: 'string', validate: isRoomId },
} as const;

interface ServerEntry {
  readonly url: string;
  readonly variables?: Readonly<Record<string, { readonly default: string }>>;
}

/**
 * Returns the path part of `servers[0]` with each `{variable}` replaced by its default, e.g.
 * `/_matrix/client/v1`. express-openapi-validator 5.6 does not expand server variables, and the
 * spec's URL is `{protocol}://{hostname}{basePath}`, so the path is resolved here.
 */
export function resolveBasePath(
  document: { readonly servers?: readonly ServerEntry[] } = OPENAPI_DOCUMENT,
): string {
  const server = document.servers?.[0];
  if (server === undefined) return '';

  const url = server.url.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = server.variables?.[name]?.default;
    if (value === undefined)
      throw new Error(`server variable "${name}" of the OpenAPI document has no default`);
    return value;
  });
  const path = new URL(url, 'http://placeholder.invalid').pathname;
  return path.replace(/\/+$/, '');
}

/**
 * The security schemes that `Authenticator` implements, as the Client-Server API v1.19 defines
 * them ("Using access tokens"): the `Authorization: Bearer` header and the `access_token` query
 * parameter.
 */
const AUTHENTICATOR_SCHEMES: Readonly<
  Record<
    string,
    { readonly type: string; readonly in?: string; readonly name?: string; readonly scheme?: string }
  >
> = {
  accessTokenBearer: { type: 'http', scheme: 'bearer' },
  accessTokenQuery: { type: 'apiKey', in: 'query', name: 'access_token' },
};

interface SecuredDocument {
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: {
    readonly securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  };
}

/** The keys of an OpenAPI 3.1 Path Item that contain operations. */
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Checks that every operation of `document` requires exactly the access token schemes that
 * `Authenticator` implements, one of them per request. Throws an error that names the operation
 * or scheme that differs, so a spec that changes its security cannot leave the server enforcing
 * the old one.
 */
export function checkSecurityRequirements(document: SecuredDocument = OPENAPI_DOCUMENT): void {
  const expected = Object.keys(AUTHENTICATOR_SCHEMES).sort();
  const fix = 'change AUTHENTICATOR_SCHEMES and Authenticator in src/server to match, or the spec';
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation === null || typeof operation !== 'object') continue;
      const security =
        (operation as { security?: SecuredDocument['security'] }).security ?? document.security ?? [];
      const names = security.map((requirement) => Object.keys(requirement));
      const alternatives = names
        .filter((keys) => keys.length === 1)
        .map(([name]) => name)
        .sort();
      if (names.some((keys) => keys.length !== 1) || alternatives.join() !== expected.join()) {
        throw new Error(
          `${method.toUpperCase()} ${path} of the OpenAPI document requires ${JSON.stringify(security)}, ` +
            `but the server authenticates with one of ${expected.join(', ')}. To fix it, ${fix}`,
        );
      }
    }
  }
  for (const [name, want] of Object.entries(AUTHENTICATOR_SCHEMES)) {
    const scheme = document.components?.securitySchemes?.[name];
    const differs =
      scheme === undefined || Object.entries(want).some(([key, value]) => scheme[key] !== value);
    if (differs) {
      throw new Error(
        `security scheme ${name} of the OpenAPI document is ${JSON.stringify(scheme)}, but the server ` +
          `expects ${JSON.stringify(want)}. To fix it, ${fix}`,
      );
    }
  }
}

/**
 * Returns the express-openapi-validator middleware for every request and response of the spec.
 * Responses failing their schema become errors passed to `next`, which the error handler turns
 * into 500 M_UNKNOWN.
 *
 * Each entry of `basePaths` becomes a server of the document, so the spec's operations are
 * validated under every prefix that serves them: the unstable MSC2666 path is
 * `/_matrix/client/unstable/uk.half-shot.msc2666/user` followed by the spec's `/mutual_rooms`.
 *
 * The validator's own security step is off, because `Authenticator.middleware` runs before it for
 * the same schemes, which `checkSecurityRequirements` confirms. express-openapi-validator 5.6
 * checks every security requirement of a request and throws an Error, with its stack trace, for
 * each one whose credential is absent, and it awaits the handlers through several promise steps.
 * With the spec's two schemes, the step cost the validated server about 7% of its throughput on
 * typical pairs, in an interleaved load comparison of 8 rounds on a 2-core machine, for checks
 * that the authenticator repeats anyway.
 */
export function createValidatorMiddleware(basePaths: readonly string[]): RequestHandler {
  const apiSpec = { ...structuredClone(OPENAPI_DOCUMENT), servers: basePaths.map((url) => ({ url })) };
  const handlers = openApiValidator({
    apiSpec: apiSpec as unknown as OpenAPIV3.DocumentV3_1,
    validateRequests: { allowUnknownQueryParameters: true },
    validateResponses: true,
    validateSecurity: false,
    // The spec has no request bodies, so there is no multipart body to parse and check.
    fileUploader: false,
    formats: MATRIX_FORMATS,
    ignoreUndocumented: false,
    useRequestUrl: true,
  });
  return series(handlers);
}

/**
 * Runs `handlers` one after the other as a single middleware, without the router's matching step
 * between each pair. `next()`, `next('route')` and a falsy value go on to the next handler, as
 * between the layers of an Express 5 router. Any other value passed to `next`, an error thrown,
 * or a rejection of a returned promise or thenable skips the remaining handlers and goes to
 * `next`, so `next('router')` leaves the router as well.
 */
export function series(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const fail = (error: unknown) =>
      next(error || new Error('a validator middleware rejected a promise without a reason'));
    const step = (error?: unknown): void => {
      if (error && error !== 'route') {
        next(error);
        return;
      }
      const handler = handlers[index++];
      if (handler === undefined) {
        next();
        return;
      }
      try {
        const result: unknown = handler(req, res, step);
        if (isThenable(result)) result.then(undefined, fail);
      } catch (thrown) {
        fail(thrown);
      }
    };
    step();
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
