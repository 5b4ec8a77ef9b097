import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/conformance/redact.js';

describe('createRedactor', () => {
  const redact = createRedactor(['syt_secret', 'syt_secret_longer', undefined, 'tök/en+']);

  it.each([
    { name: 'a known token', given: 'token syt_secret rejected', want: 'token <redacted> rejected' },
    { name: 'a token containing another', given: 'syt_secret_longer', want: '<redacted>' },
    { name: 'a URL-encoded token', given: `?t=${encodeURIComponent('tök/en+')}`, want: '?t=<redacted>' },
    {
      name: 'any access_token value',
      given: '/path?user_id=x&access_token=other&y=1',
      want: '/path?user_id=x&access_token=<redacted>&y=1',
    },
    {
      name: 'any Bearer credential',
      given: 'Authorization: Bearer unknown123',
      want: 'Authorization: Bearer <redacted>',
    },
    { name: 'text without secrets', given: '400 M_INVALID_PARAM', want: '400 M_INVALID_PARAM' },
  ])('replaces $name', ({ given, want }) => {
    expect(redact(given)).toBe(want);
  });

  it('ignores empty secrets', () => {
    expect(createRedactor(['', undefined])('abc')).toBe('abc');
  });
});
