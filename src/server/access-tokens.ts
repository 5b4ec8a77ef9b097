import { createHash, randomBytes } from 'node:crypto';
import { userIdProblem } from '../matrix/identifiers.js';
import type { MembershipStore } from '../store/types.js';

/** Prefix of generated access tokens, so secret scanners and people can recognise them. */
const TOKEN_PREFIX = 'mr_';

/** Returns a new random access token: the prefix and 32 random bytes in base64url. */
export function generateAccessToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of the token's UTF-8 bytes: the only form in which stores keep access tokens. */
export function hashAccessToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Creates an access token for `userId`, stores its hash and returns the token. */
export async function createAccessToken(store: MembershipStore, userId: string): Promise<string> {
  const problem = userIdProblem(userId);
  if (problem !== undefined) {
    throw new TypeError(`"${userId}" is not a user ID: ${problem}; use the form @alice:example.org`);
  }
  const token = generateAccessToken();
  await store.addAccessToken(userId, hashAccessToken(token));
  return token;
}
