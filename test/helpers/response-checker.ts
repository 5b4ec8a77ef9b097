import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import apiDocument from '../../generated/openapi.json' with { type: 'json' };
import { isRoomId, isUserId } from '../../src/matrix/identifiers.js';

/**
 * Checks responses against `generated/openapi.json` with its own Ajv 2020 instance, independent
 * of the validator inside the server: 200 against the operation's schema, 429 against
 * RateLimited, and every other error status against Error (error.yaml).
 */
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('mx-user-id', { type: 'string', validate: isUserId });
ajv.addFormat('mx-room-id', { type: 'string', validate: isRoomId });
ajv.addSchema(apiDocument, 'openapi.json');

function compile(pointer: string): ValidateFunction {
  const validate = ajv.getSchema(`openapi.json#${pointer}`);
  if (validate === undefined) throw new Error(`no schema at openapi.json#${pointer}`);
  return validate;
}

const validators = {
  ok: compile('/paths/~1mutual_rooms/get/responses/200/content/application~1json/schema'),
  rateLimited: compile('/components/schemas/RateLimited'),
  error: compile('/components/schemas/Error'),
};

/** Returns the problems of one response; empty when it matches the spec. */
export function checkResponse(status: number, contentType: string | null, body: unknown): string[] {
  if (status === 204) return body === undefined ? [] : ['a 204 response must have no body'];
  const problems: string[] = [];
  if (!contentType?.startsWith('application/json'))
    problems.push(`content-type is ${contentType}, not application/json`);

  let validate = validators.error;
  if (status === 200) validate = validators.ok;
  if (status === 429) validate = validators.rateLimited;
  if (!validate(body)) problems.push(ajv.errorsText(validate.errors, { dataVar: `${status} body` }));
  if (status !== 200 && typeof (body as { error?: unknown } | undefined)?.error !== 'string') {
    problems.push('a Matrix error body must have an "error" string');
  }
  return problems;
}
