import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import pg from 'pg';
import pino, { type Logger } from 'pino';

/** The URL of a test service from the environment, or why its suite is skipped. */
export interface ServiceUrl {
  readonly url: string | undefined;
  /** Set when `url` is absent; append it to the suite name so the skip is visible. */
  readonly skipReason: string | undefined;
}

const START_HINT = 'start the services with: eval "$(bash .ci/services.sh start)"';

/**
 * Reads a service URL such as DATABASE_URL_TEST. When it is unset and the CI variable is set, it
 * throws, so a CI run cannot pass with the suite skipped. Otherwise it returns a skip reason.
 */
export function serviceUrl(name: 'DATABASE_URL_TEST' | 'REDIS_URL_TEST'): ServiceUrl {
  const url = process.env[name];
  if (url !== undefined && url !== '') {
    return { url, skipReason: undefined };
  }

  const reason = `${name} is not set; ${START_HINT}`;
  if (isCi()) {
    throw new Error(`${reason} (required because CI is set)`);
  }
  console.warn(`skipping: ${reason}`);
  return { url: undefined, skipReason: reason };
}

/** Returns `name`, followed by the skip reason when the service is missing. */
export function suiteName(name: string, service: ServiceUrl): string {
  return service.skipReason === undefined ? name : `${name} (skipped: ${service.skipReason})`;
}

/** Returns the URL, failing the test if it is missing; for use inside a skipIf'd suite. */
export function requireUrl(service: ServiceUrl): string {
  if (service.url === undefined) {
    throw new Error(service.skipReason);
  }
  return service.url;
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** A database created for one test file, so files running in parallel never share tables. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database next to the one in `adminUrl`, with the same credentials; the
 * role of DATABASE_URL_TEST has CREATEDB.
 */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `mutual_rooms_test_${randomBytes(6).toString('hex')}`;
  await runAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => runAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function runAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Returns a Redis key prefix that no other test uses. */
export function uniqueKeyPrefix(): string {
  return `mutual-rooms-test:${randomBytes(6).toString('hex')}:`;
}

/** Returns a 127.0.0.1 port that was free a moment ago and has no listener now. */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `condition` every 10 ms until it holds, failing after 1000 polls. */
export async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let poll = 0; poll < 1000; poll += 1) {
    if (await condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition still false after 1000 polls');
}

/** Creates a pino logger that parses each record it writes into `records`. */
export function capturingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, which takes that server away from a client
 * and brings it back without stopping it. `stop` resets open connections and closes the port.
 * `freeze` keeps connections open but forwards nothing, as a hung server would.
 */
export class TcpProxy {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #port = 0;
  #frozen = false;

  constructor(targetUrl: string) {
    const url = new URL(targetUrl);
    this.#targetHost = url.hostname;
    this.#targetPort = Number(url.port);
  }

  get port(): number {
    return this.#port;
  }

  /** Returns `targetUrl` with host and port replaced by the proxy's. */
  urlFor(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.#port);
    return url.toString();
  }

  /** Listens on the port of the previous start, or on a free port the first time. */
  async start(): Promise<void> {
    const server = net.createServer((client) => this.#forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    this.#frozen = false;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) {
      socket.resetAndDestroy();
    }
    this.#sockets.clear();
    if (server !== undefined) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  freeze(): void {
    this.#frozen = true;
  }

  #forward(client: net.Socket): void {
    const upstream = net.connect(this.#targetPort, this.#targetHost);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => {
      if (!this.#frozen) {
        upstream.write(chunk);
      }
    });
    upstream.on('data', (chunk) => {
      if (!this.#frozen) {
        client.write(chunk);
      }
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }
}
