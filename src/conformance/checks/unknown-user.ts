import { describeResponse } from '../http.js';
import type { Failure } from '../types.js';
import { type CheckDefinition, outcomeOf } from './types.js';

export const unknownUserEmpty: CheckDefinition = {
  id: 'unknown-user.empty',
  description:
    'A well-formed user ID that the server does not know gets 200 with no rooms, count 0 and no next_batch',
  async run(session) {
    const exchange = await session.mutualRooms({ user_id: session.unknownUser });
    const expectedBody = '200 {"joined":[],"count":0}';
    if (exchange.status !== 200 || !exchange.isJson) {
      return outcomeOf([{ expected: expectedBody, actual: describeResponse(exchange) }]);
    }

    const body = (exchange.json ?? {}) as { joined?: unknown; count?: unknown; next_batch?: unknown };
    const failures: Failure[] = [];
    if (!Array.isArray(body.joined) || body.joined.length > 0) {
      failures.push({
        case: 'joined',
        expected: 'an empty array',
        actual: JSON.stringify(body.joined) ?? 'absent',
      });
    }
    if (body.count !== 0) {
      failures.push({ case: 'count', expected: '0', actual: JSON.stringify(body.count) ?? 'absent' });
    }
    if (body.next_batch !== undefined) {
      failures.push({ case: 'next_batch', expected: 'absent', actual: JSON.stringify(body.next_batch) });
    }
    return outcomeOf(failures);
  },
};
