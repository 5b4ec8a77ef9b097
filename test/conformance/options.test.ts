import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../src/conformance/index.js';
import { resolveOptions, selectChecks } from '../../src/conformance/options.js';

describe('selectChecks', () => {
  it('selects every check by default', () => {
    expect(selectChecks(undefined).map((check) => check.id)).toEqual([...CHECK_IDS]);
  });

  it('selects by id and by prefix, in run order', () => {
    const ids = selectChecks(['schema.responses', 'auth']).map((check) => check.id);
    expect(ids).toEqual(['auth.missing-token', 'auth.unknown-token', 'schema.responses']);
  });

  it('rejects an unknown id and lists the known ones', () => {
    expect(() => selectChecks(['auth.missing'])).toThrow(
      /unknown checks: auth\.missing; known checks: versions\.flags/,
    );
  });
});

describe('resolveOptions', () => {
  const base = { baseUrl: 'http://127.0.0.1:8008', token: 'token-a' };

  it('applies the defaults', () => {
    const options = resolveOptions(base);
    expect(options.timeoutMs).toBe(10_000);
    expect(options.maxRps).toBe(20);
    expect(options.burst).toBe(50);
    expect(options.createRooms).toBe(false);
    expect(options.rateLimit).toBe(false);
  });

  it('takes tokens and user IDs from fixtures', () => {
    const options = resolveOptions({
      baseUrl: base.baseUrl,
      fixtures: {
        users: { a: { userId: '@a:x.org', accessToken: 'fa' }, b: { userId: '@b:x.org', accessToken: 'fb' } },
        sharedRooms: [],
        nonJoinRooms: [],
      },
    });
    expect([options.tokenA, options.tokenB, options.userA, options.userB]).toEqual([
      'fa',
      'fb',
      '@a:x.org',
      '@b:x.org',
    ]);
  });

  it('prefers options over fixtures', () => {
    const options = resolveOptions({
      ...base,
      tokenB: 'token-b',
      userB: '@bee:x.org',
      fixtures: {
        users: { a: { userId: '@a:x.org', accessToken: 'fa' }, b: { userId: '@b:x.org', accessToken: 'fb' } },
        sharedRooms: [],
        nonJoinRooms: [],
      },
    });
    expect([options.tokenA, options.tokenB, options.userB]).toEqual(['token-a', 'token-b', '@bee:x.org']);
  });

  it.each([
    { name: 'no token', given: { baseUrl: base.baseUrl }, message: '--token is required' },
    {
      name: 'a base URL that is no URL',
      given: { ...base, baseUrl: 'localhost:8008' },
      message: '--base-url must',
    },
    {
      name: 'a base URL with a query',
      given: { ...base, baseUrl: 'http://h/?x=1' },
      message: 'no query or fragment',
    },
    {
      name: 'a non-HTTP base URL',
      given: { ...base, baseUrl: 'ftp://h' },
      message: 'must use http or https',
    },
    { name: 'a malformed user B', given: { ...base, userB: 'bob' }, message: '--user-b must be a user ID' },
    {
      name: 'the same token twice',
      given: { ...base, tokenB: 'token-a' },
      message: '--token-b must be the token of another user',
    },
    {
      name: 'create-rooms without token B',
      given: { ...base, createRooms: true },
      message: '--create-rooms needs --token-b',
    },
    {
      name: 'a timeout of 0',
      given: { ...base, timeoutMs: 0 },
      message: '--timeout must be a number above 0',
    },
    {
      name: 'a burst over the maximum',
      given: { ...base, burst: 1001 },
      message: '--burst must be a number from 1 to 1000',
    },
    { name: 'an unknown check', given: { ...base, only: ['nope'] }, message: 'unknown checks: nope' },
    {
      name: 'an empty check list',
      given: { ...base, only: [' ', ''] },
      message: '--only needs at least one check id',
    },
  ])('rejects $name', ({ given, message }) => {
    expect(() => resolveOptions(given)).toThrow(message);
  });
});
