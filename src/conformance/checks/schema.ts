import type { ValidateFunction } from 'ajv/dist/2020.js';
import { describeResponse, type Exchange } from '../http.js';
import { describeSchemaErrors } from '../schema.js';
import type { Session } from '../session.js';
import type { Failure } from '../types.js';
import { type CheckDefinition, outcomeOf } from './types.js';

/** Failures listed at most; the rest are counted in a note. */
const MAX_LISTED = 20;

interface Target {
  readonly name: string;
  readonly validate: ValidateFunction;
}

/**
 * Picks the schema a response must match: RateLimited for 429, Error for every other 4xx and
 * 5xx, and the 200 schema for a 200 to GET on the stable path. Other responses, such as
 * `/versions`, `whoami` and responses to OPTIONS, are outside the spec and are not validated.
 */
function targetOf(exchange: Exchange, session: Session): Target | undefined {
  const { validators, stablePath } = session.settings;
  if (exchange.method === 'OPTIONS') return undefined;
  if (exchange.status === 429) return { name: 'RateLimited', validate: validators.rateLimited };
  if (exchange.status >= 400) return { name: 'Error', validate: validators.error };
  if (exchange.status === 200 && exchange.method === 'GET' && exchange.path === stablePath) {
    return { name: 'the 200 response of GET /mutual_rooms', validate: validators.mutualRooms };
  }
  return undefined;
}

function validateExchange(exchange: Exchange, target: Target): string | undefined {
  const contentType = exchange.headers['content-type'] ?? '';
  if (!exchange.isJson) return `body is not JSON: ${describeResponse(exchange)}`;
  if (!/^application\/json\b/i.test(contentType)) {
    return `Content-Type is '${contentType}', not application/json: ${describeResponse(exchange)}`;
  }
  if (target.validate(exchange.json)) return undefined;
  return `${describeSchemaErrors(target.validate.errors)}: ${describeResponse(exchange)}`;
}

export const schemaResponses: CheckDefinition = {
  id: 'schema.responses',
  description:
    'Every response the checker got validates against generated/openapi.json (Ajv 2020): errors against Error, 429 against RateLimited, 200 against the 200 schema',
  async run(session) {
    const failures: Failure[] = [];
    let validated = 0;
    for (const exchange of session.client.exchanges) {
      const target = targetOf(exchange, session);
      if (!target) continue;
      validated++;
      const problem = validateExchange(exchange, target);
      if (problem === undefined) continue;
      failures.push({
        case: `${exchange.method} ${exchange.target} (${exchange.source})`,
        expected: `a JSON body valid against ${target.name}`,
        actual: problem,
      });
    }

    const notes = [`${validated} of ${session.client.exchanges.length} responses validated`];
    if (failures.length > MAX_LISTED) notes.push(`${failures.length - MAX_LISTED} more failures not listed`);
    return outcomeOf(failures.slice(0, MAX_LISTED), notes);
  },
};
