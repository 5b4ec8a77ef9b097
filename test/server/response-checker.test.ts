import { describe, expect, it } from 'vitest';
import { checkResponse } from '../helpers/response-checker.js';

const JSON_TYPE = 'application/json; charset=utf-8';

describe('independent response checker', () => {
  it.each([
    ['valid 200', 200, { joined: ['!a:example.org'], count: 1, next_batch: 'x' }],
    ['room version 12 room ID', 200, { joined: [`!${'A'.repeat(43)}`], count: 1 }],
    ['valid 400', 400, { errcode: 'M_INVALID_PARAM', error: 'bad' }],
    ['valid 429', 429, { errcode: 'M_LIMIT_EXCEEDED', error: 'slow down', retry_after_ms: 1000 }],
    ['valid 500', 500, { errcode: 'M_UNKNOWN', error: 'Internal server error' }],
  ])('accepts %s', (_name, status, body) => {
    expect(checkResponse(status, JSON_TYPE, body)).toEqual([]);
  });

  it.each([
    ['200 without count', 200, { joined: [] }],
    ['200 with a room ID lacking a server name', 200, { joined: ['!nocolon'], count: 1 }],
    ['200 with a user ID as room', 200, { joined: ['@a:example.org'], count: 1 }],
    ['200 with fractional count', 200, { joined: [], count: 1.5 }],
    ['401 without errcode', 401, { error: 'no' }],
    ['404 without error message', 404, { errcode: 'M_UNRECOGNIZED' }],
    ['429 with string retry_after_ms', 429, { errcode: 'M_LIMIT_EXCEEDED', error: 'x', retry_after_ms: '5' }],
    ['500 with a non-object body', 500, 'Internal Server Error'],
  ])('rejects %s', (_name, status, body) => {
    expect(checkResponse(status, JSON_TYPE, body)).not.toEqual([]);
  });

  it('rejects a non-JSON content type', () => {
    expect(checkResponse(404, 'text/html', { errcode: 'M_UNRECOGNIZED', error: 'x' })).not.toEqual([]);
  });
});
