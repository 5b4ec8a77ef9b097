/**
 * Query string handling shared by both validation modes, so that the OpenAPI validator and the
 * route's own checks read the same parameters.
 */
import { parse } from 'node:querystring';
import type { RequestHandler } from 'express';

/**
 * Express "query parser": node's querystring without its default limit of 1000 parameters. The
 * route reads the raw query with URLSearchParams, which has no limit, so with the default a
 * `user_id` after 1000 other parameters would be missing for the validator only. Node bounds the
 * request line by its header size limit (16 KiB by default), which bounds the parameter count.
 */
export function parseQueryString(query: string): Record<string, string | string[] | undefined> {
  return parse(query, '&', '=', { maxKeys: 0 });
}

/** One `name=value` pair of unreserved characters and percent escapes. */
const STRICT_PAIR = '(?:[\\w.~-]|%[0-9A-Fa-f]{2})*=(?:[\\w.~-]|%[0-9A-Fa-f]{2})*';

/**
 * A query that strict encoding keeps as it is, except for equivalent escapes such as `%7e` for
 * `~`: `name=value` pairs joined by `&`, with no reserved character raw and no malformed escape.
 */
export const STRICTLY_ENCODED_QUERY = new RegExp(`^${STRICT_PAIR}(?:&${STRICT_PAIR})*$`);

/**
 * Rewrites the query of the request URL with every name and value percent-encoded, in the same
 * order and with repeated parameters kept, so repeats are still rejected.
 *
 * express-openapi-validator 5.6 rejects a query parameter without `allowReserved` whose raw value
 * contains a reserved character of RFC 3986 (`:/?#[]@!$&'()*+,;=`). RFC 3986 allows `@`, `:`, `!`
 * and others unencoded in a query, and curl users type `user_id=@bob:example.org`, which the route
 * accepts with the validator off. Decoding and encoding again changes no parameter's value, so both
 * modes see the same request. The validator reads `originalUrl`, the route `url`: both change.
 */
export const encodeQueryStrictly: RequestHandler = (req, _res, next) => {
  const queryStart = req.url.indexOf('?');
  const rawQuery = queryStart === -1 ? undefined : req.url.slice(queryStart + 1);
  // Most clients encode strictly already; re-encoding their query would change no character.
  if (rawQuery === undefined || STRICTLY_ENCODED_QUERY.test(rawQuery)) {
    next();
    return;
  }
  const query = strictQueryString(rawQuery);
  if (query !== undefined) {
    req.url = `${req.url.slice(0, queryStart)}?${query}`;
    const originalStart = req.originalUrl.indexOf('?');
    if (originalStart !== -1) req.originalUrl = `${req.originalUrl.slice(0, originalStart)}?${query}`;
  }
  next();
};

/**
 * Decodes `query` as URLSearchParams does and encodes it again, leaving no reserved character raw.
 * Returns undefined for a query that cannot be encoded because it contains a lone surrogate. A
 * request from the network never does: Node 20 accepts only printable ASCII in the request target.
 */
export function strictQueryString(query: string): string | undefined {
  const pairs: string[] = [];
  try {
    for (const [name, value] of new URLSearchParams(query)) {
      pairs.push(`${encodeStrictly(name)}=${encodeStrictly(value)}`);
    }
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
  return pairs.join('&');
}

/** encodeURIComponent leaves `!'()*` raw, which RFC 3986 reserves as sub-delimiters. */
function encodeStrictly(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
