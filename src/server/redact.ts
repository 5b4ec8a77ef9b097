/**
 * Redaction of access tokens from what the server logs. Clients put the token in the
 * `access_token` query parameter, sometimes with a percent-encoded name or in a malformed query,
 * so parameter names and values are decoded before they are compared.
 */

/** Placeholder that replaces a redacted value. */
export const REDACTED = '<redacted>';

const TOKEN_PARAM = 'access_token';
/** Rounds of percent-decoding before a name or value is searched, so double encoding is caught too. */
const MAX_DECODE_ROUNDS = 3;
/** Nesting depth up to which logged objects are searched. */
const MAX_DEPTH = 8;
/** Runs of text that can contain a URL or a query: no white space, quotes or angle brackets. */
const URL_RUN = /[^\s"'`<>]+/g;

/**
 * Redacts access tokens in the path and query of a request URL. A query parameter whose decoded
 * name is `access_token` keeps its name and loses its value. A parameter whose decoded name or
 * value contains `access_token` elsewhere, in any case, is replaced as a whole, and so is a path
 * segment that contains it.
 */
export function redactAccessToken(url: string): string {
  // Without "%" and the name itself, no decoding can produce the name: the usual request.
  if (!url.includes('%') && !url.toLowerCase().includes(TOKEN_PARAM)) return url;

  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const redactedPath = path
    .split('/')
    .map((segment) => (mentionsTokenParam(segment) ? REDACTED : segment))
    .join('/');
  if (queryStart === -1) return redactedPath;

  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map(redactQueryParam)
    .join('&');
  return `${redactedPath}?${query}`;
}

function redactQueryParam(param: string): string {
  const equals = param.indexOf('=');
  const rawName = equals === -1 ? param : param.slice(0, equals);
  const rawValue = equals === -1 ? '' : param.slice(equals + 1);

  if (decodeComponent(rawName) === TOKEN_PARAM) return `${rawName}=${REDACTED}`;
  if (mentionsTokenParam(rawName) || mentionsTokenParam(rawValue)) return REDACTED;
  return param;
}

/**
 * Redacts access tokens from free text such as an error message or stack trace. Each run of
 * characters that could be a URL or a query is redacted as a URL when it mentions `access_token`
 * with more than the bare name.
 */
export function redactText(text: string): string {
  return text.replace(URL_RUN, (run) => {
    if (!mentionsTokenParam(run) || run.toLowerCase() === TOKEN_PARAM) return run;
    return redactAccessToken(run);
  });
}

/**
 * Redacts access tokens in every string of a value about to be logged, such as a serialised error.
 * Objects that look like HTTP requests are reduced to their method and redacted URL, so their
 * headers, the Authorization header among them, are never logged.
 */
export function redactLogValue(value: unknown): unknown {
  return redactNested(value, 0, new WeakSet());
}

function redactNested(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[omitted]';
  seen.add(value);

  if (isRequestLike(value)) return { method: value.method, url: redactAccessToken(value.url) };
  if (Array.isArray(value)) return value.map((item) => redactNested(item, depth + 1, seen));
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, redactNested(field, depth + 1, seen)]),
  );
}

function isRequestLike(value: object): value is { method: string; url: string } {
  const candidate = value as { method?: unknown; url?: unknown; headers?: unknown };
  return (
    typeof candidate.method === 'string' &&
    typeof candidate.url === 'string' &&
    typeof candidate.headers === 'object'
  );
}

/** Tells whether `text`, percent-decoded up to MAX_DECODE_ROUNDS times, contains `access_token` in any case. */
function mentionsTokenParam(text: string): boolean {
  let decoded = text;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round += 1) {
    if (decoded.toLowerCase().includes(TOKEN_PARAM)) return true;
    const next = decodeComponent(decoded);
    if (next === decoded) return false;
    decoded = next;
  }
  return false;
}

/**
 * Decodes a query component as a form parser does ("+" is a space). Malformed percent-encoding
 * does not throw: each valid `%XX` becomes the character of that byte, which preserves ASCII text.
 */
function decodeComponent(component: string): string {
  const spaced = component.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}
