import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestError } from '../../src/conformance/errors.js';
import { ConformanceClient, retryDelayMs } from '../../src/conformance/http.js';
import { RequestPacer } from '../../src/conformance/pacer.js';
import { createRedactor } from '../../src/conformance/redact.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, timeoutMs = 5000): ConformanceClient {
  return new ConformanceClient({
    baseUrl,
    fetch,
    timeoutMs,
    pacer: new RequestPacer(1000),
    redact: createRedactor(['secret-token']),
  });
}

describe('ConformanceClient', () => {
  it('retries a 429 after the delay it asks for', async () => {
    let calls = 0;
    const baseUrl = await serve((_request, response) => {
      calls++;
      if (calls === 1) {
        response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '0' });
        response.end(JSON.stringify({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 0 }));
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{}');
    });
    const http = client(baseUrl);
    const exchange = await http.send({ path: '/x' });
    expect(exchange.status).toBe(200);
    expect(http.exchanges.map((recorded) => recorded.status)).toEqual([429, 200]);
  });

  it('returns a 429 without retrying when asked to', async () => {
    const baseUrl = await serve((_request, response) => {
      response.writeHead(429, { 'Retry-After': '0' });
      response.end();
    });
    const exchange = await client(baseUrl).send({ path: '/x', retryRateLimited: false });
    expect(exchange.status).toBe(429);
  });

  it('records method, target, headers and the parsed body', async () => {
    const baseUrl = await serve((request, response) => {
      response.writeHead(201, {
        'Content-Type': 'application/json',
        'X-Echo': request.headers.authorization ?? '',
      });
      response.end(JSON.stringify({ method: request.method }));
    });
    const http = client(baseUrl);
    const exchange = await http.send({
      method: 'POST',
      path: '/x',
      query: { access_token: 'secret-token' },
      token: 'secret-token',
      body: {},
    });
    expect(exchange.target).toBe('/x?access_token=<redacted>');
    expect(exchange.headers['x-echo']).toBe('Bearer secret-token');
    expect(exchange.json).toEqual({ method: 'POST' });
    expect(http.requestCount).toBe(1);
  });

  it('marks a body that is not JSON', async () => {
    const baseUrl = await serve((_request, response) => {
      response.end('<html></html>');
    });
    const exchange = await client(baseUrl).send({ path: '/x' });
    expect(exchange.isJson).toBe(false);
    expect(exchange.text).toBe('<html></html>');
  });

  it('cuts bodies above 4 MiB', async () => {
    const baseUrl = await serve((_request, response) => {
      response.end('x'.repeat(6 * 1024 * 1024));
    });
    const exchange = await client(baseUrl).send({ path: '/x' });
    expect(exchange.text.length).toBeLessThan(6 * 1024 * 1024);
    expect(exchange.text.length).toBeGreaterThan(4 * 1024 * 1024);
  });

  it('throws a RequestError on timeout, with the token redacted', async () => {
    const baseUrl = await serve(() => {
      // Never answers.
    });
    const error = await client(baseUrl, 100)
      .send({ path: '/x', query: { access_token: 'secret-token' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).timedOut).toBe(true);
    expect((error as RequestError).message).toMatch(
      /GET http:.*\/x\?access_token=<redacted> timed out after 100 ms/,
    );
  });

  it('throws a RequestError when the connection is refused', async () => {
    const baseUrl = await serve(() => undefined);
    const server = servers.pop();
    server?.close();
    const error = await client(baseUrl)
      .send({ path: '/x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).message).toContain('ECONNREFUSED');
  });
});

describe('retryDelayMs', () => {
  const base = { source: 's', method: 'GET', target: '/', path: '/', status: 429, text: '', isJson: true };

  it.each<{ name: string; headers: Record<string, string>; json: unknown; want: number | undefined }>([
    { name: 'Retry-After seconds', headers: { 'retry-after': '3' }, json: {}, want: 3000 },
    { name: 'retry_after_ms', headers: {}, json: { retry_after_ms: 1500 }, want: 1500 },
    {
      name: 'the header before the body',
      headers: { 'retry-after': '1' },
      json: { retry_after_ms: 1500 },
      want: 1000,
    },
    {
      name: 'a past HTTP date',
      headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' },
      json: {},
      want: 0,
    },
    { name: 'a negative retry_after_ms', headers: {}, json: { retry_after_ms: -1 }, want: undefined },
    { name: 'nothing', headers: {}, json: {}, want: undefined },
  ])('reads $name', ({ headers, json, want }) => {
    expect(retryDelayMs({ ...base, headers, json })).toBe(want);
  });
});
