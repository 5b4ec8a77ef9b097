import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, stdSerializers } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import { redactAccessToken, redactLogValue } from './redact.js';

const REQUEST_ID = /^[0-9A-Za-z._:-]{1,64}$/;

/** Logged request fields. Headers are left out, so the Authorization header never appears. */
function serializeRequest(req: { id: unknown; method: string; url: string }) {
  const url = redactAccessToken(req.url);
  return { id: req.id, method: req.method, path: url.split('?')[0], url };
}

/** Serialises an error like pino does, then redacts access tokens from every string in it. */
function serializeError(error: unknown): unknown {
  return redactLogValue(stdSerializers.err(error as Error));
}

/**
 * Returns a child of `logger` whose `req` and `err` serializers redact access tokens, so that
 * request URLs and errors, which can quote a URL with its query, never reach the log with a token.
 */
export function createRedactingLogger(logger: Logger): Logger {
  return logger.child({}, { serializers: { req: redactLogValue, err: serializeError } });
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
 * logged at error with their cause, others at info. Access tokens are redacted from the URL and
 * from every string of the error.
 */
export function createHttpLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    serializers: {
      req: serializeRequest,
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: redactLogValue,
    },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (_req, res, value: Record<string, unknown>) => {
      const errcode = (res as ServerResponse & { locals?: { errcode?: string } }).locals?.errcode;
      return errcode === undefined ? value : { ...value, errcode };
    },
  });
}
