import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNdjsonLine, toMembershipRecord } from '../../src/import/records.js';

/** Returns the record or the error message of `parse`, so outcomes compare with one toEqual. */
function outcome(parse: () => unknown): unknown {
  try {
    return { record: parse() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const PIECES = ['!', '@', ':', 'a', 'x.org', '"', '\\', '\t', '\u0001', 'é', '😀', '/', ' '];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((parts) => parts.join(''));
const membership = fc.constantFrom('join', 'leave', 'ban', 'joined', 'JOIN', '');

describe('NDJSON records in compact form', () => {
  it('parse like any JSON line', () => {
    fc.assert(
      fc.property(text, text, membership, (roomId, userId, kind) => {
        const line = JSON.stringify({ room_id: `!${roomId}`, user_id: `@${userId}`, membership: kind });
        expect(outcome(() => parseNdjsonLine(line))).toEqual(
          outcome(() => toMembershipRecord(`!${roomId}`, `@${userId}`, kind)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    [
      'a raw tab in a string',
      '{"room_id":"!a\tb:x.org","user_id":"@a:x.org","membership":"join"}',
      'invalid JSON',
    ],
    ['an escaped quote', '{"room_id":"!a\\"b:x.org","user_id":"@a:x.org","membership":"join"}', undefined],
    ['a trailing comma', '{"room_id":"!a:x.org","user_id":"@a:x.org","membership":"join",}', 'invalid JSON'],
    [
      'an unknown membership',
      '{"room_id":"!a:x.org","user_id":"@a:x.org","membership":"joined"}',
      'is not one of',
    ],
  ])('handle %s as JSON.parse does', (_name, line, error) => {
    const result = outcome(() => parseNdjsonLine(line));
    if (error === undefined) expect(result).toHaveProperty('record');
    else expect((result as { error?: string }).error).toContain(error);
  });
});
