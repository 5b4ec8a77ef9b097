import { describe, expect, it } from 'vitest';
import { garbageTokens, tamperToken } from '../../src/conformance/checks/pagination.js';
import { malformedUserIds } from '../../src/conformance/checks/params.js';
import { isUserId, PAGINATION_TOKEN } from '../../src/conformance/matrix-ids.js';

describe('malformedUserIds', () => {
  it.each(malformedUserIds('example.org:8448'))('$name is not a user ID', ({ userId }) => {
    expect(isUserId(userId)).toBe(false);
  });

  it('makes the over-255-bytes case 256 bytes long', () => {
    const tooLong = malformedUserIds('example.org').find((entry) => entry.name === 'over 255 bytes');
    expect(Buffer.byteLength(tooLong?.userId ?? '')).toBe(256);
  });
});

describe('tamperToken', () => {
  it.each([
    { given: 'abc', index: 0, want: 'Abc' },
    { given: 'Abc', index: 0, want: 'zbc' },
    { given: 'abcd', index: 2, want: 'abAd' },
  ])('changes character $index of $given', ({ given, index, want }) => {
    expect(tamperToken(given, index)).toBe(want);
  });
});

describe('garbageTokens', () => {
  it.each(garbageTokens().filter((entry) => entry.name !== 'random string'))(
    '$name is no valid token',
    ({ token }) => {
      expect(PAGINATION_TOKEN.test(token)).toBe(false);
    },
  );
});
