import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  roomIdGrammarProblem,
  roomIdProblem,
  userIdGrammarProblem,
  userIdProblem,
} from '../../src/matrix/identifiers.js';

/** Pieces that reach every branch of both grammars, the shortcut's boundaries included. */
const PIECES = [
  '@',
  '!',
  ':',
  '.',
  '-',
  '[',
  ']',
  'a',
  'Z',
  '0',
  '9',
  '256',
  'é',
  '😀',
  '\0',
  '\ud800',
  '_',
  ' ',
];

const identifierLike = (sigil: string) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }),
      fc.constantFrom('', ':example.org', ':1.2.3.4', ':256.1.1.1:80', ':[::1]', ':host:8448'),
      fc.nat({ max: 260 }),
    )
    .map(([parts, server, padding]) => `${sigil}${'x'.repeat(padding)}${parts.join('')}${server}`);

describe('identifier checks of the usual form', () => {
  it.each([
    ['a dotted-quad server', '@a:1.2.3.4', undefined],
    ['a dotted quad above 255', '@a:256.1.1.1', 'has a number above 255'],
    ['a dotted quad above 255 with a port', '@a:1.2.3.256:8448', 'has a number above 255'],
    ['255 characters', `@${'a'.repeat(255 - '@:example.org'.length)}:example.org`, undefined],
    ['256 characters', `@${'a'.repeat(256 - '@:example.org'.length)}:example.org`, 'at most 255 bytes'],
    ['a six-digit port', '@a:example.org:123456', 'must be 1 to 5 digits'],
  ])('user ID with %s', (_name, value, problem) => {
    const found = userIdProblem(value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it.each([
    ['a dotted quad above 255', '!r:1.300.1.1', 'has a number above 255'],
    ['a non-ASCII opaque part of 256 bytes', `!${'é'.repeat(121)}a:example.org`, 'at most 255 bytes'],
    ['a non-ASCII opaque part of 255 bytes', `!${'é'.repeat(121)}:example.org`, undefined],
  ])('room ID with %s', (_name, value, problem) => {
    const found = roomIdProblem(value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('finds the same user ID problems as the full grammar', () => {
    fc.assert(
      fc.property(identifierLike('@'), (value) => {
        expect(userIdProblem(value)).toBe(userIdGrammarProblem(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the same room ID problems as the full grammar', () => {
    fc.assert(
      fc.property(identifierLike('!'), (value) => {
        expect(roomIdProblem(value)).toBe(roomIdGrammarProblem(value));
      }),
      { numRuns: 2000 },
    );
  });
});
