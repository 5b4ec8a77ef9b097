import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';

const REQUEST_ID = /^[0-9A-Za-z._:-]{1,64}$/;
const REDACTED = '<redacted>';

const ACCESS_TOKEN_IN_TEXT = /access_token=[^&\s"']*/g;

/** Replaces the value of every `access_token` query parameter in `url` with a placeholder. */
export function redactAccessToken(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => (/^access_token(=|$)/.test(pair) ? `access_token=${REDACTED}` : pair))
    .join('&');
  return `${url.slice(0, queryStart + 1)}${query}`;
}

/**
 * Redacts access tokens in every string of a serialised error: validator errors carry the
 * request URL, query string included, in `path` and `stack`.
 */
export function redactSerializedError(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ACCESS_TOKEN_IN_TEXT, `access_token=${REDACTED}`);
  if (Array.isArray(value)) return value.map(redactSerializedError);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redactSerializedError(field)]));
}

/** The request fields that are logged: no headers, so the Authorization header never appears. */
function serializeRequest(req: { id: unknown; method: string; url: string }) {
  const url = redactAccessToken(req.url);
  return { id: req.id, method: req.method, path: url.split('?')[0], url };
}

/** Keeps a sane `X-Request-Id` from the client, else generates one; echoes it in the response. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Returns pino-http middleware that logs one line per response: request id, method, path,
 * status, latency (`responseTime`, ms) and, for Matrix errors, the errcode. 5xx responses are
 * logged at error with their cause, others at info.
 */
export function createHttpLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    serializers: {
      req: serializeRequest,
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: redactSerializedError,
    },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (_req, res, value: Record<string, unknown>) => {
      const errcode = (res as ServerResponse & { locals?: { errcode?: string } }).locals?.errcode;
      return errcode === undefined ? value : { ...value, errcode };
    },
  });
}
