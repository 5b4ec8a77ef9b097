import { middleware as openApiValidator } from 'express-openapi-validator';
import type {
  OpenAPIV3,
  OpenApiRequestHandler,
  SecurityHandlers,
} from 'express-openapi-validator/dist/framework/types.js';
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
 * Returns the express-openapi-validator middleware for every request and response of the spec.
 * Security handlers decide authentication; responses failing their schema become errors passed
 * to `next`, which the error handler turns into 500 M_UNKNOWN.
 *
 * Each entry of `basePaths` becomes a server of the document, so the spec's operations are
 * validated under every prefix that serves them: the unstable MSC2666 path is
 * `/_matrix/client/unstable/uk.half-shot.msc2666/user` followed by the spec's `/mutual_rooms`.
 */
export function createValidatorMiddleware(
  basePaths: readonly string[],
  securityHandlers: SecurityHandlers,
): OpenApiRequestHandler[] {
  const servers = basePaths.map((url) => ({ url }));
  const apiSpec = { ...structuredClone(OPENAPI_DOCUMENT), servers };
  return openApiValidator({
    apiSpec: apiSpec as unknown as OpenAPIV3.DocumentV3_1,
    validateRequests: { allowUnknownQueryParameters: true },
    validateResponses: true,
    validateSecurity: { handlers: securityHandlers },
    formats: MATRIX_FORMATS,
    ignoreUndocumented: false,
    useRequestUrl: true,
  });
}
