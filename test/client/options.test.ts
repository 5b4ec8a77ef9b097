import { describe, expect, it } from 'vitest';
import { createMutualRoomsClient, type MutualRoomsClientOptions } from '../../src/client/index.js';

const VALID = { baseUrl: 'https://matrix.example.org', accessToken: 'syt_token' };

describe('client options', () => {
  const invalid: { name: string; options: unknown; message: string }[] = [
    { name: 'no options', options: undefined, message: 'createMutualRoomsClient needs an options object' },
    { name: 'baseUrl missing', options: { accessToken: 'x' }, message: 'baseUrl must be the homeserver URL' },
    {
      name: 'baseUrl relative',
      options: { ...VALID, baseUrl: 'matrix.example.org' },
      message: 'baseUrl must be an absolute URL',
    },
    {
      name: 'baseUrl ftp',
      options: { ...VALID, baseUrl: 'ftp://example.org' },
      message: 'baseUrl must use http or https',
    },
    {
      name: 'baseUrl with query',
      options: { ...VALID, baseUrl: 'https://example.org/?a=1' },
      message: 'baseUrl must have no query or fragment',
    },
    {
      name: 'baseUrl with the client API path',
      options: { ...VALID, baseUrl: 'https://example.org/_matrix/client/v1' },
      message: 'baseUrl must be the homeserver base URL without the /_matrix path',
    },
    {
      name: 'baseUrl ending in /_matrix',
      options: { ...VALID, baseUrl: 'https://example.org/_matrix' },
      message: 'without the /_matrix path',
    },
    {
      name: 'accessToken empty',
      options: { ...VALID, accessToken: '' },
      message: 'accessToken must be a non-empty string',
    },
    {
      name: 'accessToken missing',
      options: { baseUrl: VALID.baseUrl },
      message: 'accessToken must be a non-empty string',
    },
    {
      name: 'tokenIn cookie',
      options: { ...VALID, tokenIn: 'cookie' },
      message: 'tokenIn must be "header" or "query", got "cookie"',
    },
    {
      name: 'fetch not a function',
      options: { ...VALID, fetch: 'fetch' },
      message: 'fetch must be a function, got string',
    },
    {
      name: 'discovery a string',
      options: { ...VALID, discovery: 'no' },
      message: 'discovery must be true or false, got "no"',
    },
  ];

  for (const { name, options, message } of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => createMutualRoomsClient(options as MutualRoomsClientOptions)).toThrow(message);
    });
  }

  it('accepts a baseUrl with a path prefix', () => {
    expect(() =>
      createMutualRoomsClient({ ...VALID, baseUrl: 'http://127.0.0.1:8008/matrix/' }),
    ).not.toThrow();
  });

  it('shows the received baseUrl in the error', () => {
    expect(() => createMutualRoomsClient({ ...VALID, baseUrl: 'example' })).toThrow('got "example"');
  });
});
