import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { MEMBERSHIPS } from '../store/types.js';
import { ConformanceError } from './errors.js';
import { isRoomId, isUserId } from './matrix-ids.js';
import type { Fixtures } from './types.js';

const userSchema = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: { userId: { type: 'string' }, accessToken: { type: 'string', minLength: 1 } },
};

const FIXTURES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    users: {
      type: 'object',
      additionalProperties: false,
      properties: { a: userSchema, b: userSchema },
    },
    sharedRooms: { type: 'array', items: { type: 'string' } },
    nonJoinRooms: {
      type: 'array',
      items: {
        type: 'object',
        required: ['roomId', 'a', 'b'],
        additionalProperties: false,
        properties: {
          roomId: { type: 'string' },
          a: { enum: [...MEMBERSHIPS] },
          b: { enum: [...MEMBERSHIPS] },
        },
      },
    },
  },
};

const validateShape = new Ajv2020({ allErrors: true }).compile(FIXTURES_SCHEMA);

/**
 * Reads a fixture file, YAML or JSON (JSON is YAML too), and checks it. Throws a usage
 * ConformanceError that names the file, the field and the problem.
 */
export async function loadFixtures(path: string): Promise<Fixtures> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConformanceError('usage', `cannot read fixture file ${path}: ${(error as Error).message}`);
  }

  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConformanceError(
      'usage',
      `fixture file ${path} is neither JSON nor YAML: ${(error as Error).message}`,
    );
  }
  return parseFixtures(data ?? {}, path);
}

/** Checks fixture data already parsed; `source` names it in error messages. */
export function parseFixtures(data: unknown, source: string): Fixtures {
  if (!validateShape(data)) {
    const problems = (validateShape.errors ?? []).map((error) => {
      const field = error.instancePath || '(top level)';
      return `${field} ${error.message}${error.params.additionalProperty ? ` '${error.params.additionalProperty}'` : ''}`;
    });
    throw new ConformanceError('usage', `fixture file ${source} is invalid: ${problems.join('; ')}`);
  }

  const fixtures = data as Partial<Fixtures>;
  const result: Fixtures = {
    users: fixtures.users ?? {},
    sharedRooms: fixtures.sharedRooms ?? [],
    nonJoinRooms: fixtures.nonJoinRooms ?? [],
  };
  const problems = findProblems(result);
  if (problems.length > 0) {
    throw new ConformanceError('usage', `fixture file ${source} is invalid: ${problems.join('; ')}`);
  }
  return result;
}

function findProblems(fixtures: Fixtures): string[] {
  const problems: string[] = [];
  for (const [name, user] of Object.entries(fixtures.users)) {
    if (user && !isUserId(user.userId)) {
      problems.push(`/users/${name}/userId must be a user ID like @alice:example.org, got '${user.userId}'`);
    }
  }
  fixtures.sharedRooms.forEach((roomId, index) => {
    if (!isRoomId(roomId))
      problems.push(`/sharedRooms/${index} must be a room ID like !abc:example.org, got '${roomId}'`);
  });
  fixtures.nonJoinRooms.forEach((room, index) => {
    if (!isRoomId(room.roomId)) {
      problems.push(
        `/nonJoinRooms/${index}/roomId must be a room ID like !abc:example.org, got '${room.roomId}'`,
      );
    }
    if (room.a === 'join' && room.b === 'join') {
      problems.push(`/nonJoinRooms/${index} has membership join for both users; list it under sharedRooms`);
    }
  });
  return problems;
}
