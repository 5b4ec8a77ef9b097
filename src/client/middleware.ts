import type { Middleware } from 'openapi-fetch';
import {
  InvalidResponseError,
  MatrixError,
  MatrixNetworkError,
  parseRetryAfter,
  redactAccessToken,
} from './errors.js';
import type { Checked } from './responses.js';

/** Placement of the access token: the `Authorization: Bearer` header, or the deprecated `access_token` query parameter. */
export type TokenPlacement = 'header' | 'query';

/** Adds the access token to every request. */
export function createAuthMiddleware(accessToken: string, tokenIn: TokenPlacement): Middleware {
  return {
    onRequest({ request }) {
      if (tokenIn === 'header') {
        request.headers.set('Authorization', `Bearer ${accessToken}`);
        return request;
      }

      const url = new URL(request.url);
      url.searchParams.set('access_token', accessToken);
      return new Request(url, request);
    },
  };
}

/** Checks the 2xx body of one schema path, converting it to the shape its TypeScript type promises. */
export type BodyCheck = (body: unknown) => Checked<unknown>;

/**
 * Turns every outcome other than a well-formed 2xx body into an error: MatrixError for other
 * statuses, InvalidResponseError for a body that fails `checks[schemaPath]`, MatrixNetworkError
 * when fetch or reading the body fails. An abort is rethrown unchanged.
 */
export function createResponseMiddleware(checks: Readonly<Record<string, BodyCheck>>): Middleware {
  return {
    async onResponse({ request, response, schemaPath }) {
      const text = await readBody(request, response);
      if (!response.ok) {
        throw toMatrixError(request, response, text);
      }

      const url = redactAccessToken(request.url);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new InvalidResponseError(request.method, url, response.status, 'the body is not JSON');
      }

      const check = checks[schemaPath];
      if (check === undefined) {
        throw new Error(`No response body check is registered for ${schemaPath}`);
      }
      const checked = check(body);
      if ('problem' in checked) {
        throw new InvalidResponseError(request.method, url, response.status, checked.problem);
      }
      return new Response(JSON.stringify(checked.value), {
        status: response.status,
        headers: { 'Content-Type': 'application/json' },
      });
    },

    onError({ request, error }) {
      if (request.signal.aborted) {
        return undefined;
      }
      return new MatrixNetworkError(request.method, redactAccessToken(request.url), error);
    },
  };
}

async function readBody(request: Request, response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (request.signal.aborted) {
      throw error;
    }
    throw new MatrixNetworkError(request.method, redactAccessToken(request.url), error);
  }
}

function toMatrixError(request: Request, response: Response, text: string): MatrixError {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy's HTML error page, for example: keep the text as the body.
  }

  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const errcode = typeof fields.errcode === 'string' ? fields.errcode : 'M_UNKNOWN';
  const error = typeof fields.error === 'string' ? fields.error : undefined;

  // MSC4041 adds the Retry-After header and deprecates retry_after_ms, so the header wins when both are set.
  const headerDelay = parseRetryAfter(
    response.headers.get('Retry-After'),
    response.headers.get('Date'),
    Date.now(),
  );
  const bodyDelay = fields.retry_after_ms;
  const retryAfterMs =
    headerDelay ??
    (typeof bodyDelay === 'number' && Number.isFinite(bodyDelay) && bodyDelay >= 0 ? bodyDelay : undefined);

  return new MatrixError({
    status: response.status,
    errcode,
    error,
    retryAfterMs,
    method: request.method,
    url: redactAccessToken(request.url),
    body,
  });
}
