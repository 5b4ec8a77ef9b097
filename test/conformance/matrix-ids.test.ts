import { describe, expect, it } from 'vitest';
import {
  isRoomId,
  isServerName,
  isUserId,
  PAGINATION_TOKEN,
  serverNameOf,
} from '../../src/conformance/matrix-ids.js';

describe('isUserId', () => {
  it.each([
    { given: '@alice:example.org', want: true },
    { given: '@Alice.Historical!:example.org', want: true },
    { given: '@alice:example.org:8448', want: true },
    { given: '@alice:127.0.0.1', want: true },
    { given: '@alice:[::1]:8448', want: true },
    { given: `@${'a'.repeat(242)}:example.org`, want: true },
    { given: `@${'a'.repeat(243)}:example.org`, want: false },
    { given: '@:example.org', want: false },
    { given: '@álice:example.org', want: false },
    { given: '@alice', want: false },
    { given: '@alice:', want: false },
    { given: 'alice:example.org', want: false },
    { given: '@al ice:example.org', want: false },
    { given: '@alice:exa_mple.org', want: false },
    { given: '@alice:example.org:port', want: false },
  ])('$given is $want', ({ given, want }) => {
    expect(isUserId(given)).toBe(want);
  });
});

describe('isRoomId', () => {
  it.each([
    { given: '!abc:example.org', want: true },
    { given: '!OGEhHVWSdvArJzumhm:matrix.org', want: true },
    { given: '!ZbS8Ne2QzVKXKtWsAqqNRmtJGvPPVDiWcL8TknLBEaE', want: true },
    { given: 'abc:example.org', want: false },
    { given: '!:example.org', want: false },
    { given: '!abc:', want: false },
    { given: '!a bc:example.org', want: true },
    { given: '!a\0bc:example.org', want: false },
    { given: `!${'a'.repeat(255)}`, want: false },
  ])('$given is $want', ({ given, want }) => {
    expect(isRoomId(given)).toBe(want);
  });
});

describe('isServerName', () => {
  it.each([
    { given: 'example.org', want: true },
    { given: 'example.org:8448', want: true },
    { given: '[2001:db8::1]', want: true },
    { given: '[2001:db8::1]:443', want: true },
    { given: '', want: false },
    { given: ':8448', want: false },
    { given: 'example.org:123456', want: false },
    { given: '[zz::1]', want: false },
  ])('$given is $want', ({ given, want }) => {
    expect(isServerName(given)).toBe(want);
  });
});

describe('serverNameOf', () => {
  it('returns everything after the first colon', () => {
    expect(serverNameOf('@alice:example.org:8448')).toBe('example.org:8448');
  });

  it('returns undefined without a colon', () => {
    expect(serverNameOf('@alice')).toBeUndefined();
  });
});

describe('PAGINATION_TOKEN', () => {
  it.each([
    { given: 'abc-._~XYZ019', want: true },
    { given: 'a'.repeat(255), want: true },
    { given: 'a'.repeat(256), want: false },
    { given: '', want: false },
    { given: '!room:example.org', want: false },
    { given: 'a+b/c=', want: false },
  ])('$given is $want', ({ given, want }) => {
    expect(PAGINATION_TOKEN.test(given)).toBe(want);
  });
});
