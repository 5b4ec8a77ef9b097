import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { matrixErrors } from '../matrix/errors.js';
import { type AppOptions, createApp } from './app.js';
import { createClientErrorListener } from './client-error.js';
import { sendMatrixError } from './error-handler.js';

/** Options of `startServer`: those of `createApp` plus the address to listen on. */
export interface StartServerOptions extends AppOptions {
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** TCP port; 0 picks a free one. Default 8008. */
  readonly port?: number;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL such as `http://127.0.0.1:8008`, without the API base path. */
  readonly url: string;
  /**
   * Stops accepting connections, ends open ones at once, in-flight requests included, and
   * resolves once the server is closed.
   */
  close(): Promise<void>;
  /**
   * Stops accepting connections and lets in-flight requests finish, each response closing its
   * connection, and resolves once the server is closed. Requests still running after `timeoutMs`
   * lose their connections; `abortedRequests` counts them.
   */
  shutdown(timeoutMs: number): Promise<{ readonly abortedRequests: number }>;
}

/**
 * Creates the app and listens on `host:port`. Paths the app does not serve get 404 M_UNRECOGNIZED
 * here too, so every response of the standalone server is a Matrix JSON body. The store and rate
 * limiter stay open: the caller owns them.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const tracker = new RequestTracker();
  const root = express();
  root.disable('x-powered-by');
  root.set('case sensitive routing', true);
  root.set('strict routing', true);
  root.use(tracker.middleware);
  root.use(createApp(options));
  root.use((req, res) => {
    sendMatrixError(res, matrixErrors.unrecognized(`Unrecognized request: no endpoint at ${req.path}`));
  });

  const server = root.listen(options.port ?? 8008, host);
  server.on('clientError', createClientErrorListener(options.logger));
  await once(server, 'listening');
  tracker.server = server;
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    close: async () => {
      const closed = tracker.stopListening();
      server.closeAllConnections();
      await closed;
    },
    shutdown: (timeoutMs) => tracker.shutdown(timeoutMs),
  };
}

/**
 * Keeps the responses in flight, so a shutdown can wait for them. While shutting down, every
 * response carries `Connection: close`, and a keep-alive connection is closed as soon as its
 * response ends, instead of idling until the keep-alive timeout.
 */
class RequestTracker {
  server: Server | undefined;
  readonly #inFlight = new Set<ServerResponse>();
  #closed: Promise<void> | undefined;

  readonly middleware: RequestHandler = (_req, res, next) => {
    this.#inFlight.add(res);
    if (this.#closed !== undefined) res.setHeader('Connection', 'close');
    res.once('close', () => {
      this.#inFlight.delete(res);
      // The socket turns idle only after the response's own 'close' handlers have run.
      if (this.#closed !== undefined) setImmediate(() => this.server?.closeIdleConnections());
    });
    next();
  };

  /** Stops accepting connections; resolves once every connection has ended. Idempotent. */
  stopListening(): Promise<void> {
    const server = this.server;
    if (server === undefined) return Promise.resolve();
    this.#closed ??= new Promise<void>((resolve, reject) => {
      // Since Node.js 19, close() also ends the connections that are idle at this moment.
      server.close((error) => (error ? reject(error) : resolve()));
    });
    return this.#closed;
  }

  async shutdown(timeoutMs: number): Promise<{ readonly abortedRequests: number }> {
    const closed = this.stopListening();
    for (const res of this.#inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'closed') return { abortedRequests: 0 };

    const abortedRequests = this.#inFlight.size;
    this.server?.closeAllConnections();
    await closed;
    return { abortedRequests };
  }
}
