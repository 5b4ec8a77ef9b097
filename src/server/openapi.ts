import { type RequestHandler, Router } from 'express';
import { middleware as openApiValidator } from 'express-openapi-validator';
import type { OpenAPIV3, SecurityHandlers } from 'express-openapi-validator/dist/framework/types.js';
import apiDocument from '../../generated/openapi.json' with { type: 'json' };
import { isRoomId, isUserId } from '../matrix/identifiers.js';
import { type CredentialLocation, narrowSecurity, requestCredentialLocation } from './openapi-security.js';

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
 * Returns the express-openapi-validator middleware for every request and response of the spec.
 * Security handlers decide authentication; responses failing their schema become errors passed
 * to `next`, which the error handler turns into 500 M_UNKNOWN.
 *
 * Each entry of `basePaths` becomes a server of the document, so the spec's operations are
 * validated under every prefix that serves them: the unstable MSC2666 path is
 * `/_matrix/client/unstable/uk.half-shot.msc2666/user` followed by the spec's `/mutual_rooms`.
 *
 * Two validators run, one per place of the access token, and each request goes to the one for
 * the place it uses: the bearer scheme's validator when it has an Authorization header, the query
 * scheme's otherwise. express-openapi-validator 5.6 checks every security requirement of a
 * request, in any order, and throws an Error for each one whose credential is absent. With both
 * schemes, every request therefore created an Error and captured its stack trace. In CPU profiles
 * of the validated server under `npm run bench` (typical pairs), the security step took 4.5% of
 * the time with both schemes and 0.9% with one. The responses stay the same, because both schemes
 * share `securityHandlers`, which authenticate the request as a whole: a requirement of the other
 * place could only pass where this one does.
 */
export function createValidatorMiddleware(
  basePaths: readonly string[],
  securityHandlers: SecurityHandlers,
): RequestHandler[] {
  const servers = basePaths.map((url) => ({ url }));
  const validatorFor = (location: CredentialLocation) => {
    const apiSpec = narrowSecurity({ ...structuredClone(OPENAPI_DOCUMENT), servers }, location);
    const router = Router();
    router.use(
      openApiValidator({
        apiSpec: apiSpec as unknown as OpenAPIV3.DocumentV3_1,
        validateRequests: { allowUnknownQueryParameters: true },
        validateResponses: true,
        validateSecurity: { handlers: securityHandlers },
        // The spec has no request bodies, so there is no multipart body to parse and check.
        fileUploader: false,
        formats: MATRIX_FORMATS,
        ignoreUndocumented: false,
        useRequestUrl: true,
      }),
    );
    return router;
  };
  const validators: Readonly<Record<CredentialLocation, RequestHandler>> = {
    header: validatorFor('header'),
    query: validatorFor('query'),
  };
  return [(req, res, next) => validators[requestCredentialLocation(req)](req, res, next)];
}
