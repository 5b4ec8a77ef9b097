import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STRICTLY_ENCODED_QUERY, strictQueryString } from '../../src/server/query-string.js';

const PIECES = [
  'a',
  'Z',
  '0',
  '_',
  '-',
  '.',
  '~',
  '=',
  '&',
  '%40',
  '%3a',
  '%7E',
  '%ZZ',
  '%4',
  '@',
  ':',
  '+',
  ';',
  '!',
  ' ',
];
const query = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => parts.join(''));

const entries = (text: string) => [...new URLSearchParams(text)];

describe('strictly encoded query check', () => {
  it.each([
    ['encoded user ID', 'user_id=%40bob%3Aexample.org', true],
    ['two pairs', 'user_id=%40b%3Ax&from=abc-_.~', true],
    ['empty value', 'from=', true],
    ['raw @ and :', 'user_id=@bob:example.org', false],
    ['= inside a value', 'a=b=c', false],
    ['malformed escape', 'a=%ZZ', false],
    ['pair without =', 'flag', false],
    ['empty pair', 'a=1&&b=2', false],
    ['plus for a space', 'a=b+c', false],
    ['semicolon separator', 'a=1;b=2', false],
  ])('%s', (_name, text, strict) => {
    expect(STRICTLY_ENCODED_QUERY.test(text)).toBe(strict);
  });

  it('matches only queries whose re-encoding keeps every parameter', () => {
    fc.assert(
      fc.property(query, (text) => {
        if (!STRICTLY_ENCODED_QUERY.test(text)) return;
        const encoded = strictQueryString(text);
        expect(encoded).toBeDefined();
        expect(entries(encoded ?? '')).toEqual(entries(text));
        expect(STRICTLY_ENCODED_QUERY.test(encoded ?? '')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
