import { describe, expect, it } from 'vitest';
import { isRoomId, isUserId, roomIdProblem, userIdProblem } from '../../src/matrix/identifiers.js';
import { isIpv6Address, isServerName } from '../../src/matrix/server-name.js';

describe('server name grammar', () => {
  it.each([
    'matrix.org',
    'matrix.org:8888',
    '1.2.3.4',
    '1.2.3.4:1234',
    '[1234:5678::abcd]',
    '[1234:5678::abcd]:5678',
    '[::1]',
    '[::ffff:10.0.0.1]',
    'localhost',
    'MATRIX.ORG',
    'a-b.c',
    `${'a'.repeat(255)}`,
  ])('accepts %s', (value) => {
    expect(isServerName(value)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['underscore', 'exa_mple.org'],
    ['space', 'example .org'],
    ['empty port', 'example.org:'],
    ['six-digit port', 'example.org:123456'],
    ['letters in port', 'example.org:80a'],
    ['octet above 255', '256.1.1.1'],
    ['unbracketed IPv6', '::1'],
    ['unclosed bracket', '[::1'],
    ['bad IPv6 group', '[12345::1]'],
    ['two double colons', '[1::2::3]'],
    ['too long', 'a'.repeat(256)],
    ['non-ASCII', 'exämple.org'],
  ])('rejects %s', (_name, value) => {
    expect(isServerName(value)).toBe(false);
  });
});

describe('IPv6 address text forms', () => {
  it.each([
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    'fe80::1:2',
    '::1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
  ])('accepts %s', (value) => {
    expect(isIpv6Address(value)).toBe(true);
  });

  it.each([
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    ':1',
    '1:',
    '1.2.3.4::',
    '1:2:3:4:5:6:7:1.2.3.4',
    'g::1',
    '1::2::3',
  ])('rejects %s', (value) => {
    expect(isIpv6Address(value)).toBe(false);
  });
});

describe('user ID grammar', () => {
  it.each([
    '@alice:example.org',
    '@a.b_c=d-e/f+g:example.org:8448',
    '@Alice:example.org',
    '@!#$%&*~:example.org',
    '@bob:[::1]',
    `@${'a'.repeat(255 - '@:example.org'.length)}:example.org`,
  ])('accepts %s', (value) => {
    expect(isUserId(value)).toBe(true);
  });

  it.each([
    ['no sigil', 'alice:example.org', 'must start with "@"'],
    ['no colon', '@alice', 'needs a ":"'],
    ['empty localpart', '@:example.org', 'must not be empty'],
    ['space', '@al ice:example.org', 'printable ASCII'],
    ['NUL', '@al\u0000ice:example.org', 'printable ASCII'],
    ['DEL', '@al\u007fice:example.org', 'printable ASCII'],
    ['non-ASCII', '@älice:example.org', 'printable ASCII'],
    ['bad server name', '@alice:exa_mple.org', 'hostname'],
    ['256 bytes', `@${'a'.repeat(256 - '@:example.org'.length)}:example.org`, 'at most 255 bytes'],
  ])('rejects %s', (_name, value, reason) => {
    expect(userIdProblem(value)).toContain(reason);
  });
});

describe('room ID grammar', () => {
  it.each([
    '!abc:example.org',
    '!a b\u0001é😀:example.org',
    '!r:matrix.org:8448',
    `!${'A'.repeat(20)}${'_-'.repeat(10)}${'z'.repeat(3)}`,
    '!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM',
  ])('accepts %s', (value) => {
    expect(isRoomId(value)).toBe(true);
  });

  it.each([
    ['no sigil', 'abc:example.org'],
    ['empty opaque part', '!:example.org'],
    ['no server and no hash', '!abc'],
    ['hash of 42 characters', `!${'A'.repeat(42)}`],
    ['hash with standard Base64', `!${'A'.repeat(42)}+`],
    ['NUL', '!a\u0000b:example.org'],
    ['lone surrogate', '!a\ud800:example.org'],
    ['bad server name', '!abc:exa_mple.org'],
    ['256 bytes', `!${'a'.repeat(256 - '!:example.org'.length)}:example.org`],
  ])('rejects %s', (_name, value) => {
    expect(roomIdProblem(value)).toBeDefined();
  });
});
