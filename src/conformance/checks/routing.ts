import { expectMatrixError, present } from './expect.js';
import { type CheckDefinition, outcomeOf } from './types.js';

export const unknownEndpoint: CheckDefinition = {
  id: 'routing.unknown-endpoint',
  description: 'A path under /_matrix that no endpoint serves gets 404 M_UNRECOGNIZED',
  async run(session) {
    const paths = [
      `${session.settings.basePath}/conformance_unknown_endpoint`,
      '/_matrix/client/conformance_unknown_endpoint',
    ];
    const failures = [];
    for (const path of paths) {
      const exchange = await session.client.send({ path, token: session.settings.tokenA });
      failures.push(expectMatrixError(exchange, 404, ['M_UNRECOGNIZED'], `GET ${path}`));
    }
    return outcomeOf(present(failures));
  },
};

export const wrongMethod: CheckDefinition = {
  id: 'routing.wrong-method',
  description: 'POST, PUT and DELETE on the Mutual Rooms path get 405 M_UNRECOGNIZED',
  async run(session) {
    const failures = [];
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const exchange = await session.client.send({
        method,
        path: session.settings.stablePath,
        query: { user_id: session.partner },
        token: session.settings.tokenA,
        body: {},
      });
      failures.push(expectMatrixError(exchange, 405, ['M_UNRECOGNIZED'], method));
    }
    return outcomeOf(present(failures));
  },
};
