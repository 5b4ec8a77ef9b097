import { randomBytes } from 'node:crypto';
import { expectMatrixError, present } from './expect.js';
import { type CheckDefinition, outcomeOf } from './types.js';

export const missingToken: CheckDefinition = {
  id: 'auth.missing-token',
  description: 'A request without an access token gets 401 M_MISSING_TOKEN',
  async run(session) {
    const exchange = await session.mutualRooms({ user_id: session.partner }, null);
    return outcomeOf(present([expectMatrixError(exchange, 401, ['M_MISSING_TOKEN'])]));
  },
};

export const unknownToken: CheckDefinition = {
  id: 'auth.unknown-token',
  description: 'A request with an unknown access token, in the header or the query, gets 401 M_UNKNOWN_TOKEN',
  async run(session) {
    // Made up for this run, so no server has issued it.
    const token = `conformance_unknown_${randomBytes(12).toString('hex')}`;
    const inHeader = await session.mutualRooms({ user_id: session.partner }, token);
    const inQuery = await session.mutualRooms({ user_id: session.partner, access_token: token }, null);
    return outcomeOf(
      present([
        expectMatrixError(inHeader, 401, ['M_UNKNOWN_TOKEN'], 'token in the Authorization header'),
        expectMatrixError(inQuery, 401, ['M_UNKNOWN_TOKEN'], 'token in the access_token query parameter'),
      ]),
    );
  },
};
