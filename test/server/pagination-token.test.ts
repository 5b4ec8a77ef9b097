import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chooseCursor } from '../../src/server/keyset-cursor.js';
import {
  MAX_CURSOR_BYTES,
  PaginationTokenError,
  signPaginationToken,
  verifyPaginationToken,
} from '../../src/server/pagination-token.js';

const secret = randomBytes(32);
const binding = { requester: '@alice:example.org', userId: '@bob:example.org' };
const now = Date.UTC(2030, 0, 1);
const options = { secret, ttlSeconds: 600, now };
const TOKEN_CHARSET = /^[0-9A-Za-z._~-]{1,255}$/;

function reasonOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof PaginationTokenError ? error.reason : `unexpected ${String(error)}`;
  }
}

describe('pagination token', () => {
  it('round-trips the cursor', () => {
    const token = signPaginationToken('!room:example.org', binding, options);
    expect(verifyPaginationToken(token, binding, options)).toBe('!room:example.org');
  });

  it('fits the charset with the longest cursor', () => {
    const cursor = `!${'é'.repeat((MAX_CURSOR_BYTES - 2) / 2)}a`;
    expect(Buffer.byteLength(cursor)).toBe(MAX_CURSOR_BYTES);
    const token = signPaginationToken(cursor, binding, options);
    expect(token).toMatch(TOKEN_CHARSET);
  });

  it('rejects a cursor too long for a token', () => {
    expect(() => signPaginationToken('x'.repeat(MAX_CURSOR_BYTES + 1), binding, options)).toThrow(RangeError);
  });

  it('stays valid until the lifetime ends', () => {
    const token = signPaginationToken('!r:example.org', binding, options);
    expect(verifyPaginationToken(token, binding, { ...options, now: now + 599_999 })).toBe('!r:example.org');
    expect(reasonOf(() => verifyPaginationToken(token, binding, { ...options, now: now + 600_000 }))).toBe(
      'expired',
    );
  });

  it.each([
    ['another requester', { ...binding, requester: '@mallory:example.org' }, secret],
    ['another user_id', { ...binding, userId: '@carol:example.org' }, secret],
    ['swapped users', { requester: binding.userId, userId: binding.requester }, secret],
    ['another secret', binding, randomBytes(32)],
  ])('rejects use with %s', (_name, otherBinding, otherSecret) => {
    const token = signPaginationToken('!r:example.org', binding, options);
    expect(
      reasonOf(() => verifyPaginationToken(token, otherBinding, { ...options, secret: otherSecret })),
    ).toBe('forged');
  });

  it('rejects every single-character edit', () => {
    const token = signPaginationToken('!r:example.org', binding, options);
    for (let i = 0; i < token.length; i += 1) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      const edited = `${token.slice(0, i)}${replacement}${token.slice(i + 1)}`;
      expect(
        reasonOf(() => verifyPaginationToken(edited, binding, options)),
        `position ${i}`,
      ).toMatch(/forged|malformed/);
    }
  });

  it.each([
    ['empty', ''],
    ['padding', 'AAAA='],
    ['standard Base64 characters', 'ab+/'],
    ['too short', 'AQID'],
    ['too long', 'A'.repeat(256)],
    ['non-canonical trailing bits', `${signPaginationToken('!r:e.org', binding, options).slice(0, -1)}B`],
  ])('rejects a %s token as malformed or forged', (_name, token) => {
    expect(reasonOf(() => verifyPaginationToken(token, binding, options))).toMatch(/malformed|forged/);
  });
});

describe('keyset cursor choice', () => {
  const long = (prefix: string, length: number) => `!${prefix}${'x'.repeat(length)}:example.org`;

  it('uses the last room ID when it fits', () => {
    expect(chooseCursor('!a:example.org', '!b:example.org')).toBe('!a:example.org');
  });

  it('uses a short separator for a long last room ID', () => {
    const last = long('a', 300);
    const next = long('b', 10);
    const cursor = chooseCursor(last, next);
    expect(cursor).toBe('!b');
    expect(Buffer.compare(Buffer.from(last), Buffer.from(cursor ?? ''))).toBeLessThan(0);
    expect(Buffer.compare(Buffer.from(cursor ?? ''), Buffer.from(next))).toBeLessThan(0);
  });

  it('returns undefined for an overlong shared prefix', () => {
    expect(chooseCursor(long('', 200), `${long('', 200)}!`)).toBeUndefined();
  });
});
