import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `next_batch` tokens: opaque, HMAC-signed, bound to the (requester, user_id) pair, expiring.
 *
 * Layout before base64url encoding: version (1 byte), expiry in Unix seconds (uint32 BE), keyset
 * cursor (UTF-8), then the first 16 bytes of HMAC-SHA-256 over a context label, both user IDs
 * and everything before the MAC. Base64url keeps the token within `[0-9A-Za-z._~-]{1,255}`.
 */

const VERSION = 1;
const HEADER_BYTES = 5;
const MAC_BYTES = 16;
/** 255 base64url characters carry 191 bytes. */
export const MAX_TOKEN_CHARS = 255;
export const MAX_CURSOR_BYTES = Math.floor((MAX_TOKEN_CHARS * 6) / 8) - HEADER_BYTES - MAC_BYTES;

const MAC_CONTEXT = Buffer.from('mutual_rooms next_batch v1\0');
const BASE64URL = /^[0-9A-Za-z_-]+$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The pair of users a token was issued to. */
export interface TokenBinding {
  readonly requester: string;
  readonly userId: string;
}

/** Key, lifetime and clock for signing and verifying tokens. */
export interface PaginationTokenOptions {
  /** HMAC key; at least 32 bytes. */
  readonly secret: Buffer;
  /** Seconds a token stays valid after it is issued. */
  readonly ttlSeconds: number;
  /** Current time in ms since the Unix epoch. */
  readonly now: number;
}

/** Error for a rejected `from` token, with the reason. */
export class PaginationTokenError extends Error {
  override readonly name = 'PaginationTokenError';

  constructor(readonly reason: 'malformed' | 'forged' | 'expired') {
    super(`pagination token is ${reason}`);
  }
}

/** Creates a token that resumes after `cursor` for `binding`. */
export function signPaginationToken(
  cursor: string,
  binding: TokenBinding,
  options: PaginationTokenOptions,
): string {
  const cursorBytes = Buffer.from(cursor, 'utf8');
  if (cursorBytes.length > MAX_CURSOR_BYTES) {
    throw new RangeError(
      `a pagination cursor may have at most ${MAX_CURSOR_BYTES} bytes, got ${cursorBytes.length}`,
    );
  }

  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(VERSION, 0);
  header.writeUInt32BE(Math.floor(options.now / 1000) + options.ttlSeconds, 1);
  const payload = Buffer.concat([header, cursorBytes]);
  return Buffer.concat([payload, mac(options.secret, binding, payload)]).toString('base64url');
}

/** Returns the cursor of a token issued to `binding`; throws PaginationTokenError otherwise. */
export function verifyPaginationToken(
  token: string,
  binding: TokenBinding,
  options: PaginationTokenOptions,
): string {
  if (token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) throw new PaginationTokenError('malformed');
  const bytes = Buffer.from(token, 'base64url');
  // Reject non-canonical encodings, so each token has exactly one spelling.
  if (bytes.toString('base64url') !== token) throw new PaginationTokenError('malformed');
  if (bytes.length < HEADER_BYTES + MAC_BYTES || bytes.readUInt8(0) !== VERSION) {
    throw new PaginationTokenError('malformed');
  }

  const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
  const expected = mac(options.secret, binding, payload);
  if (!timingSafeEqual(bytes.subarray(payload.length), expected)) throw new PaginationTokenError('forged');
  if (payload.readUInt32BE(1) * 1000 <= options.now) throw new PaginationTokenError('expired');

  try {
    return STRICT_UTF8.decode(payload.subarray(HEADER_BYTES));
  } catch {
    throw new PaginationTokenError('malformed');
  }
}

function mac(secret: Buffer, binding: TokenBinding, payload: Buffer): Buffer {
  const hmac = createHmac('sha256', secret).update(MAC_CONTEXT);
  for (const userId of [binding.requester, binding.userId]) {
    const bytes = Buffer.from(userId, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    hmac.update(length).update(bytes);
  }
  return hmac.update(payload).digest().subarray(0, MAC_BYTES);
}
