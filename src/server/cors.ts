import type { RequestHandler } from 'express';

/** CORS headers the Client-Server API v1.19 recommends on every response ("Web Browser Clients"). */
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
} as const;

const CORS_ENTRIES = Object.entries(CORS_HEADERS);

/**
 * Adds the CORS headers to every response and responds to `OPTIONS` with 204 and no body. No
 * endpoint logic runs for a pre-flight request.
 */
export const cors: RequestHandler = (req, res, next) => {
  // setHeader directly: Express's res.set checks each name for Content-Type, on every response.
  for (const [name, value] of CORS_ENTRIES) res.setHeader(name, value);
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
};
