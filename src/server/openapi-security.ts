/**
 * Splitting an OpenAPI document's security requirements by where the client sends the access
 * token, so that each request is validated against the requirements its credential can meet.
 */
import type { IncomingMessage } from 'node:http';

/** The place of an access token in a request: a header or the query string. */
export type CredentialLocation = 'header' | 'query';

/** A security requirement object: scheme names and their scopes; `{}` allows anonymous access. */
type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

interface SecurityScheme {
  readonly type?: string;
  readonly in?: string;
}

interface SecuredObject {
  security?: SecurityRequirement[];
}

interface SecuredDocument extends SecuredObject {
  readonly paths?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: { readonly securitySchemes?: Readonly<Record<string, SecurityScheme>> };
}

/**
 * Returns where `scheme` reads its credential: `http` schemes and header API keys from a header,
 * query API keys from the query string. Other schemes (cookies, OAuth 2, OpenID Connect) have no
 * single location and return undefined.
 */
export function credentialLocation(scheme: SecurityScheme): CredentialLocation | undefined {
  if (scheme.type === 'http') return 'header';
  if (scheme.type === 'apiKey' && (scheme.in === 'header' || scheme.in === 'query')) return scheme.in;
  return undefined;
}

/**
 * Returns the location whose requirements decide `req`: a request with an Authorization header
 * authenticates with it, and any other request with the query string.
 */
export function requestCredentialLocation(req: IncomingMessage): CredentialLocation {
  return req.headers.authorization === undefined ? 'query' : 'header';
}

/**
 * Narrows the security requirements of `document` in place, at the top level and in every
 * operation, to those whose schemes all read the credential from `location`, and anonymous
 * ones. A list with no such requirement is kept whole, so it still rejects requests as before.
 */
export function narrowSecurity<T extends object>(document: T, location: CredentialLocation): T {
  const secured = document as SecuredDocument;
  const schemes = secured.components?.securitySchemes ?? {};
  const readsFrom = (requirement: SecurityRequirement) =>
    Object.keys(requirement).every((name) => {
      const scheme = schemes[name];
      return scheme !== undefined && credentialLocation(scheme) === location;
    });

  const narrow = (target: SecuredObject) => {
    const matching = target.security?.filter(readsFrom);
    if (matching !== undefined && matching.length > 0) target.security = matching;
  };
  narrow(secured);
  for (const pathItem of Object.values(secured.paths ?? {})) {
    for (const operation of Object.values(pathItem)) {
      if (operation !== null && typeof operation === 'object') narrow(operation as SecuredObject);
    }
  }
  return document;
}
