import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { isRoomId, isUserId } from './matrix-ids.js';

const SPEC_FILE = join('generated', 'openapi.json');
const DOCUMENT_ID = 'openapi.json';

/** Keywords of OpenAPI 3.1 Schema Objects that JSON Schema 2020-12 does not define. */
const OPENAPI_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];

/** The parts of `generated/openapi.json` that the checker uses. */
export interface SpecDocument {
  readonly servers?: ReadonlyArray<{ variables?: Record<string, { default?: string }> }>;
  readonly paths: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/**
 * Reads `generated/openapi.json` of this package. The file is looked up in each folder above
 * this module, so it is found from `src/` under tsx and from `dist/src/` after a build.
 */
export function loadSpec(): SpecDocument {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, SPEC_FILE);
    if (existsSync(candidate) && existsSync(join(folder, 'package.json'))) {
      return JSON.parse(readFileSync(candidate, 'utf8')) as SpecDocument;
    }
    const parent = dirname(folder);
    if (parent === folder)
      throw new Error(`${SPEC_FILE} not found above ${dirname(fileURLToPath(import.meta.url))}`);
    folder = parent;
  }
}

/** Returns the base path from the spec's `servers[0]` variables, such as `/_matrix/client/v1`. */
export function basePathOf(spec: SpecDocument): string {
  const basePath = spec.servers?.[0]?.variables?.basePath?.default;
  if (!basePath) throw new Error('generated/openapi.json has no servers[0].variables.basePath default');
  return basePath.replace(/\/+$/, '');
}

/** Validators compiled from the spec with Ajv 2020, independent of any server's validator. */
export interface ResponseValidators {
  /** The 200 body of `GET /mutual_rooms`. */
  readonly mutualRooms: ValidateFunction;
  /** `#/components/schemas/Error`, for every error body but 429. */
  readonly error: ValidateFunction;
  /** `#/components/schemas/RateLimited`, for 429 bodies. */
  readonly rateLimited: ValidateFunction;
}

/** Compiles the response validators, registering the `mx-user-id` and `mx-room-id` formats. */
export function compileValidators(spec: SpecDocument): ResponseValidators {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajvFormats.default(ajv);
  ajv.addFormat('mx-user-id', { type: 'string', validate: isUserId });
  ajv.addFormat('mx-room-id', { type: 'string', validate: isRoomId });
  ajv.addVocabulary(OPENAPI_KEYWORDS);
  // A `$ref` into the document makes Ajv compile its root, so the top-level OpenAPI fields are
  // declared as keywords that validate nothing.
  ajv.addVocabulary(Object.keys(spec).filter((key) => !ajv.getKeyword(key)));
  ajv.addSchema(spec, DOCUMENT_ID);

  const pointer = `#/paths/${escapePointer('/mutual_rooms')}/get/responses/200/content/${escapePointer('application/json')}/schema`;
  return {
    mutualRooms: ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` }),
    error: ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/Error` }),
    rateLimited: ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/RateLimited` }),
  };
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Formats Ajv errors as `/joined/0 must match format "mx-room-id"`, one per line. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}`)
    .join('; ');
}
