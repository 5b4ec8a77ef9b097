import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { type Logger, stdSerializers } from 'pino';
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
 * Returns middleware that logs one line per request to `logger` when its response ends or its
 * connection closes first: request id, method, path, status, latency (`responseTime`, ms) and,
 * for Matrix errors, the errcode. 5xx responses are logged at error with their cause from
 * `res.locals.cause`, others at info. Access tokens are redacted from the URL and from every
 * string of the error. The line is built only when its level is enabled, so a silent logger
 * skips the serialising.
 */
export function createHttpLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    // The URL as the client sent it, before any middleware rewrites its query.
    const url = req.originalUrl;
    const id = requestId(req, res);
    const log = (message: string) => {
      const cause: unknown = res.locals.cause;
      const failed = cause !== undefined || res.statusCode >= 500;
      const level = failed ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;

      const errcode: unknown = res.locals.errcode;
      logger[level](
        {
          req: serializeRequest({ id, method: req.method, url }),
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
          ...(errcode === undefined ? {} : { errcode }),
          ...(failed ? { err: cause ?? new Error(`failed with status code ${res.statusCode}`) } : {}),
        },
        failed ? 'request errored' : message,
      );
    };
    res.once('finish', () => log('request completed'));
    res.once('close', () => {
      if (!res.writableFinished) log('request aborted');
    });
    next();
  };
}
