/**
 * The mutual-rooms endpoint on Fastify 5, as a user might build it instead of the Express
 * server: the query and the 200 body are checked by Fastify's own Ajv instance against the
 * schemas of `generated/openapi.json`, with the Matrix identifier formats registered.
 *
 * Fastify compiles a route's response schema into a serializer (fast-json-stringify), which
 * shapes the output but does not validate it, so a `preSerialization` hook validates the 200
 * body with a validator compiled by the same Ajv instance.
 */
import Fastify, { type FastifyError, type FastifySchema } from 'fastify';
import { matrixErrors } from '../src/matrix/errors.js';
import {
  MATRIX_FORMATS,
  MUTUAL_ROOMS_PATH,
  OPENAPI_DOCUMENT,
  resolveBasePath,
} from '../src/server/openapi.js';
import type { MembershipStore } from '../src/store/types.js';
import type { BenchServer } from './bare-server.js';
import { authenticate, errorResponse, mutualRoomsPage, type PageConfig } from './page.js';

const operation = OPENAPI_DOCUMENT.paths[MUTUAL_ROOMS_PATH].get;

/** The query parameters of the operation as one JSON Schema object. */
export const QUERY_SCHEMA = {
  type: 'object',
  required: operation.parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
  properties: Object.fromEntries(operation.parameters.map((parameter) => [parameter.name, parameter.schema])),
} as const;

/** The schema of the 200 response body. */
export const RESPONSE_SCHEMA = operation.responses['200'].content['application/json'].schema;

interface MutualRoomsQueryString {
  readonly user_id: string;
  readonly from?: string;
  readonly access_token?: string;
}

/** Starts the Fastify variant on 127.0.0.1 at `port` (0 picks a free port). */
export async function startFastifyServer(
  store: MembershipStore,
  config: PageConfig,
  port = 0,
): Promise<BenchServer> {
  const app = Fastify({
    logger: false,
    ajv: {
      onCreate: (ajv) => {
        // `example` is an OpenAPI annotation that Ajv's strict mode rejects as an unknown keyword.
        ajv.addKeyword('example');
        for (const [name, format] of Object.entries(MATRIX_FORMATS)) ajv.addFormat(name, format);
      },
    },
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const failure = error.validation === undefined ? error : matrixErrors.invalidParam(error.message);
    const { status, body } = errorResponse(failure);
    void reply.code(status).send(body);
  });

  const schema: FastifySchema = { querystring: QUERY_SCHEMA, response: { 200: RESPONSE_SCHEMA } };
  app.get<{ Querystring: MutualRoomsQueryString }>(`${resolveBasePath()}${MUTUAL_ROOMS_PATH}`, {
    schema,
    preSerialization: async (request, reply, payload: unknown) => {
      if (reply.statusCode !== 200) return payload;
      const validate = request.compileValidationSchema(RESPONSE_SCHEMA);
      if (!validate(payload)) {
        throw new Error(`response body does not match the 200 schema: ${JSON.stringify(validate.errors)}`);
      }
      return payload;
    },
    handler: async (request) => {
      const requester = await authenticate(store, request.headers.authorization, request.query.access_token);
      return mutualRoomsPage(store, config, {
        requester,
        userId: request.query.user_id,
        from: request.query.from,
      });
    },
  });

  const url = await app.listen({ host: '127.0.0.1', port });
  return { url, close: () => app.close() };
}
