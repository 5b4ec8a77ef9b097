import type { TokenPlacement } from './middleware.js';
import { type RetryOptions, type RetryPolicy, resolveRetryPolicy } from './retry.js';

/** Options of `createMutualRoomsClient`. */
export interface MutualRoomsClientOptions {
  /** Homeserver base URL without any `/_matrix` path, such as `https://matrix.example.org`. */
  baseUrl: string;
  /** Access token of the user whose mutual rooms are listed. */
  accessToken: string;
  /**
   * Placement of the access token: the `Authorization: Bearer` header (default), or the
   * `access_token` query parameter, which Matrix v1.11 deprecated.
   */
  tokenIn?: TokenPlacement;
  /** The fetch function, for tests or a custom agent. Default `globalThis.fetch`. */
  fetch?: (input: Request) => Promise<Response>;
  /** Retrying of rate-limited (HTTP 429) requests. `false` turns it off. */
  retry?: RetryOptions | false;
  /**
   * Whether to ask `GET /_matrix/client/versions` which endpoint the server routes before the
   * first request (default true). With false the client calls the stable endpoint directly.
   */
  discovery?: boolean;
}

export interface ResolvedOptions {
  /** `baseUrl` without trailing slashes. */
  readonly baseUrl: string;
  readonly accessToken: string;
  readonly tokenIn: TokenPlacement;
  readonly fetch: ((input: Request) => Promise<Response>) | undefined;
  readonly retry: RetryPolicy;
  readonly discovery: boolean;
}

/** Validates the client options. Every error names the option, the expected value and the received one. */
export function resolveOptions(options: MutualRoomsClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createMutualRoomsClient needs an options object, got ${String(options)}`);
  }

  const tokenIn = options.tokenIn ?? 'header';
  if (tokenIn !== 'header' && tokenIn !== 'query') {
    throw new TypeError(`tokenIn must be "header" or "query", got ${JSON.stringify(tokenIn)}`);
  }
  if (typeof options.accessToken !== 'string' || options.accessToken === '') {
    throw new TypeError('accessToken must be a non-empty string: the access token from /login or /register');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`fetch must be a function, got ${typeof options.fetch}`);
  }
  if (options.discovery !== undefined && typeof options.discovery !== 'boolean') {
    throw new TypeError(`discovery must be true or false, got ${JSON.stringify(options.discovery)}`);
  }

  return {
    baseUrl: resolveBaseUrl(options.baseUrl),
    accessToken: options.accessToken,
    tokenIn,
    fetch: options.fetch,
    retry: resolveRetryPolicy(options.retry),
    discovery: options.discovery ?? true,
  };
}

function resolveBaseUrl(baseUrl: unknown): string {
  const example = 'such as https://matrix.example.org';
  if (typeof baseUrl !== 'string') {
    throw new TypeError(`baseUrl must be the homeserver URL ${example}, got ${typeof baseUrl}`);
  }

  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl must be an absolute URL ${example}, got "${baseUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must use http or https, got "${baseUrl}"`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`baseUrl must have no query or fragment, got "${baseUrl}"`);
  }
  if (/\/_matrix(\/|$)/.test(url.pathname)) {
    throw new TypeError(
      `baseUrl must be the homeserver base URL without the /_matrix path ${example}, got "${baseUrl}"`,
    );
  }
  return baseUrl.replace(/\/+$/, '');
}
