import type { Request } from 'express';

/**
 * The parsed query of each request and the URL it was parsed from. The route, the authenticator
 * and the error handler read several parameters of one request, and the URL can be rewritten
 * between them, so a changed URL is parsed again.
 */
const parsedQueries = new WeakMap<Request, { readonly url: string; readonly params: URLSearchParams }>();

/**
 * Returns every value of query parameter `name` from the raw URL, so a repeated parameter is
 * visible whatever query parser the app uses.
 */
export function queryValues(req: Request, name: string): string[] {
  return parsedQuery(req).getAll(name);
}

function parsedQuery(req: Request): URLSearchParams {
  const cached = parsedQueries.get(req);
  if (cached !== undefined && cached.url === req.url) return cached.params;

  const queryStart = req.url.indexOf('?');
  const params = new URLSearchParams(queryStart === -1 ? '' : req.url.slice(queryStart + 1));
  parsedQueries.set(req, { url: req.url, params });
  return params;
}
