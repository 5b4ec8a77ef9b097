/**
 * The floor of the HTTP comparison: `GET /_matrix/client/v1/mutual_rooms` on plain `node:http`,
 * with authentication, pagination tokens and the store query, but no framework and no schema
 * validation. `user_id` is only checked to be present.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matrixErrors } from '../src/matrix/errors.js';
import { MUTUAL_ROOMS_PATH, resolveBasePath } from '../src/server/openapi.js';
import type { MembershipStore } from '../src/store/types.js';
import { authenticate, errorResponse, mutualRoomsPage, type PageConfig } from './page.js';

/** A server listening on 127.0.0.1. */
export interface BenchServer {
  /** Base URL such as `http://127.0.0.1:40123`, without the API base path. */
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(store: MembershipStore, config: PageConfig, path: string, req: IncomingMessage) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== path)
    throw matrixErrors.unrecognized(`Unrecognized request: no endpoint at ${url.pathname}`);
  if (req.method !== 'GET') throw matrixErrors.unrecognized(`Unrecognized request: use GET on ${path}`, 405);

  const requester = await authenticate(
    store,
    req.headers.authorization,
    url.searchParams.get('access_token') ?? undefined,
  );
  const userId = url.searchParams.get('user_id');
  if (userId === null) throw matrixErrors.missingParam('Missing query parameter user_id');
  return mutualRoomsPage(store, config, {
    requester,
    userId,
    from: url.searchParams.get('from') ?? undefined,
  });
}

/** Starts the bare handler on 127.0.0.1 at `port` (0 picks a free port). */
export async function startBareServer(
  store: MembershipStore,
  config: PageConfig,
  port = 0,
): Promise<BenchServer> {
  const path = `${resolveBasePath()}${MUTUAL_ROOMS_PATH}`;
  const server = createServer((req, res) => {
    handle(store, config, path, req).then(
      (body) => sendJson(res, 200, body),
      (error: unknown) => {
        const { status, body } = errorResponse(error);
        sendJson(res, status, body);
      },
    );
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
