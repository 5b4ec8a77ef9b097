/**
 * Type tests for `generated/schema.d.ts`. They fail to compile if a generated type decays to
 * `any`, loses a property or changes optionality.
 */
import createClient from 'openapi-fetch';
import type { components, operations, paths } from '../../generated/schema.js';
import type { Equal, Expect, ExpectFalse, IsAny, IsOptional } from './assert.js';

type Operation = operations['getMutualRooms'];
type Ok = Operation['responses'][200]['content']['application/json'];
type BadRequest = Operation['responses'][400]['content']['application/json'];
type RateLimited = Operation['responses'][429]['content']['application/json'];
type Query = Operation['parameters']['query'];

export type Checks = [
  // The 200 body: joined is string[], count is number, next_batch is an optional string.
  ExpectFalse<IsAny<Ok>>,
  Expect<Equal<Ok['joined'], string[]>>,
  Expect<Equal<Ok['count'], number>>,
  Expect<Equal<Ok['next_batch'], string | undefined>>,
  Expect<IsOptional<Ok, 'next_batch'>>,
  ExpectFalse<IsOptional<Ok, 'joined'>>,
  ExpectFalse<IsOptional<Ok, 'count'>>,
  // The 400 body is the Matrix error object.
  ExpectFalse<IsAny<BadRequest>>,
  Expect<Equal<BadRequest['errcode'], string>>,
  Expect<Equal<BadRequest, components['schemas']['Error']>>,
  // The 429 body adds an optional retry_after_ms.
  ExpectFalse<IsAny<RateLimited>>,
  Expect<Equal<RateLimited['errcode'], string>>,
  Expect<Equal<RateLimited['retry_after_ms'], number | undefined>>,
  Expect<IsOptional<RateLimited, 'retry_after_ms'>>,
  // The query requires user_id and has an optional from.
  ExpectFalse<IsAny<Query>>,
  Expect<Equal<Query['user_id'], string>>,
  ExpectFalse<IsOptional<Query, 'user_id'>>,
  Expect<Equal<Query['from'], string | undefined>>,
  Expect<IsOptional<Query, 'from'>>,
  // The path is keyed as in the spec, below the server's base path.
  Expect<Equal<keyof paths, '/mutual_rooms'>>,
];

/** Calls through openapi-fetch: a call without user_id must not compile. */
export async function callsTypeCheck(): Promise<void> {
  const client = createClient<paths>({ baseUrl: 'https://matrix.example.org/_matrix/client/v1' });

  const { data } = await client.GET('/mutual_rooms', { params: { query: { user_id: '@bob:example.org' } } });
  const joined: string[] | undefined = data?.joined;
  void joined;

  // @ts-expect-error user_id is required
  await client.GET('/mutual_rooms', { params: { query: {} } });

  // @ts-expect-error from must be a string
  await client.GET('/mutual_rooms', { params: { query: { user_id: '@bob:example.org', from: 1 } } });
}
