import type { Request } from 'express';

/**
 * Returns every value of query parameter `name` from the raw URL, so a repeated parameter is
 * visible whatever query parser the app uses.
 */
export function queryValues(req: Request, name: string): string[] {
  const queryStart = req.url.indexOf('?');
  if (queryStart === -1) return [];
  return new URLSearchParams(req.url.slice(queryStart + 1)).getAll(name);
}
