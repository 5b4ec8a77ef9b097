import type { Exchange } from '../http.js';
import type { Failure } from '../types.js';
import { type CheckDefinition, outcomeOf } from './types.js';

/** The CORS headers the Matrix spec (Client-Server API, web browser clients) lists. */
const REQUIRED_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
const REQUIRED_HEADERS = ['X-Requested-With', 'Content-Type', 'Authorization'];
const ORIGIN = 'https://client.conformance.invalid';

/** Returns the items of `required` missing from a comma-separated header value, ignoring case. */
function missingItems(value: string | undefined, required: readonly string[]): string[] {
  const present = new Set((value ?? '').split(',').map((item) => item.trim().toLowerCase()));
  if (present.has('*')) return [];
  return required.filter((item) => !present.has(item.toLowerCase()));
}

function describeHeader(exchange: Exchange, name: string): string {
  const value = exchange.headers[name.toLowerCase()];
  return value === undefined ? `no ${name} header` : `${name}: ${value}`;
}

export const preflight: CheckDefinition = {
  id: 'cors.preflight',
  description:
    'OPTIONS gets a 2xx response with Access-Control-Allow-Origin *, and the Matrix methods and headers allowed',
  async run(session) {
    const exchange = await session.client.send({
      method: 'OPTIONS',
      path: session.settings.stablePath,
      query: { user_id: session.partner },
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });

    const failures: Failure[] = [];
    if (exchange.status < 200 || exchange.status > 299) {
      failures.push({ case: 'status', expected: '2xx', actual: String(exchange.status) });
    }
    if (exchange.headers['access-control-allow-origin'] !== '*') {
      failures.push({
        case: 'Access-Control-Allow-Origin',
        expected: 'Access-Control-Allow-Origin: *',
        actual: describeHeader(exchange, 'Access-Control-Allow-Origin'),
      });
    }
    const missingMethods = missingItems(exchange.headers['access-control-allow-methods'], REQUIRED_METHODS);
    if (missingMethods.length > 0) {
      failures.push({
        case: 'Access-Control-Allow-Methods',
        expected: `includes ${REQUIRED_METHODS.join(', ')}`,
        actual: `${describeHeader(exchange, 'Access-Control-Allow-Methods')} (missing ${missingMethods.join(', ')})`,
      });
    }
    const missingHeaders = missingItems(exchange.headers['access-control-allow-headers'], REQUIRED_HEADERS);
    if (missingHeaders.length > 0) {
      failures.push({
        case: 'Access-Control-Allow-Headers',
        expected: `includes ${REQUIRED_HEADERS.join(', ')}`,
        actual: `${describeHeader(exchange, 'Access-Control-Allow-Headers')} (missing ${missingHeaders.join(', ')})`,
      });
    }
    return outcomeOf(failures);
  },
};

export const responseHeaders: CheckDefinition = {
  id: 'cors.headers',
  description: 'Responses to GET, errors included, carry Access-Control-Allow-Origin *',
  async run(session) {
    const headers = { Origin: ORIGIN };
    const cases = [
      {
        name: 'GET with a token',
        exchange: await session.client.send({
          path: session.settings.stablePath,
          query: { user_id: session.partner },
          token: session.settings.tokenA,
          headers,
        }),
      },
      {
        name: 'GET without a token',
        exchange: await session.client.send({
          path: session.settings.stablePath,
          query: { user_id: session.partner },
          headers,
        }),
      },
    ];
    const failures: Failure[] = [];
    for (const { name, exchange } of cases) {
      if (exchange.headers['access-control-allow-origin'] !== '*') {
        failures.push({
          case: `${name} (${exchange.status})`,
          expected: 'Access-Control-Allow-Origin: *',
          actual: describeHeader(exchange, 'Access-Control-Allow-Origin'),
        });
      }
    }
    return outcomeOf(failures);
  },
};
