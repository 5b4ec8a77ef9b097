import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConformanceError, loadFixtures, parseFixtures } from '../../src/conformance/index.js';

const folder = mkdtempSync(join(tmpdir(), 'conformance-fixtures-'));

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const FIXTURES = {
  users: { a: { userId: '@alice:example.org', accessToken: 'token-a' }, b: { userId: '@bob:example.org' } },
  sharedRooms: ['!shared:example.org'],
  nonJoinRooms: [{ roomId: '!invite:example.org', a: 'join', b: 'invite' }],
};

describe('loadFixtures', () => {
  it('reads JSON', async () => {
    const path = join(folder, 'fixtures.json');
    writeFileSync(path, JSON.stringify(FIXTURES));
    expect(await loadFixtures(path)).toEqual(FIXTURES);
  });

  it('reads YAML', async () => {
    const path = join(folder, 'fixtures.yaml');
    writeFileSync(
      path,
      [
        'users:',
        '  a: { userId: "@alice:example.org", accessToken: token-a }',
        '  b: { userId: "@bob:example.org" }',
        'sharedRooms: ["!shared:example.org"]',
        'nonJoinRooms:',
        '  - { roomId: "!invite:example.org", a: join, b: invite }',
      ].join('\n'),
    );
    expect(await loadFixtures(path)).toEqual(FIXTURES);
  });

  it('defaults missing lists to empty', async () => {
    const path = join(folder, 'users-only.yaml');
    writeFileSync(path, 'users: { b: { userId: "@bob:example.org" } }\n');
    expect(await loadFixtures(path)).toEqual({
      users: { b: { userId: '@bob:example.org' } },
      sharedRooms: [],
      nonJoinRooms: [],
    });
  });

  it('names a missing file', async () => {
    await expect(loadFixtures(join(folder, 'absent.json'))).rejects.toThrow(
      /cannot read fixture file .*absent\.json/,
    );
  });

  it('names a file that is not YAML', async () => {
    const path = join(folder, 'broken.yaml');
    writeFileSync(path, 'users: [unclosed\n');
    await expect(loadFixtures(path)).rejects.toThrow(/neither JSON nor YAML/);
  });
});

describe('parseFixtures', () => {
  it.each([
    {
      name: 'an unknown field',
      given: { rooms: [] },
      message: "(top level) must NOT have additional properties 'rooms'",
    },
    {
      name: 'an unknown membership',
      given: { nonJoinRooms: [{ roomId: '!r:x.org', a: 'join', b: 'joined' }] },
      message: '/nonJoinRooms/0/b must be equal to one of the allowed values',
    },
    {
      name: 'an invalid user ID',
      given: { users: { a: { userId: 'alice' } } },
      message: '/users/a/userId must be a user ID',
    },
    {
      name: 'an invalid room ID',
      given: { sharedRooms: ['room'] },
      message: '/sharedRooms/0 must be a room ID',
    },
    {
      name: 'a non-join room with two joins',
      given: { nonJoinRooms: [{ roomId: '!r:x.org', a: 'join', b: 'join' }] },
      message: 'list it under sharedRooms',
    },
  ])('rejects $name', ({ given, message }) => {
    expect(() => parseFixtures(given, 'f.yaml')).toThrow(message);
  });

  it('throws a usage error', () => {
    let thrown: unknown;
    try {
      parseFixtures({ sharedRooms: 1 }, 'f.yaml');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConformanceError);
    expect((thrown as ConformanceError).kind).toBe('usage');
  });
});
