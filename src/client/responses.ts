import type { MutualRoomsResponse, VersionsResponse } from './endpoints.js';

/** A checked response body, or what is wrong with it. */
export type Checked<T> = { readonly value: T } | { readonly problem: string };

/** Checks a 200 body of the stable endpoint against the spec's schema. */
export function checkStableBody(body: unknown): Checked<MutualRoomsResponse> {
  return checkMutualRoomsBody(body, false);
}

/**
 * Checks a 200 body of the unstable endpoint and converts it to the stable shape. Servers that
 * followed Synapse's unstable endpoint return `next_batch`, while matrix-js-sdk 37 reads
 * `next_batch_token`, so either is accepted, `next_batch` first.
 */
export function checkUnstableBody(body: unknown): Checked<MutualRoomsResponse> {
  return checkMutualRoomsBody(body, true);
}

/** Checks a 200 body of `GET /_matrix/client/versions`. */
export function checkVersionsBody(body: unknown): Checked<VersionsResponse> {
  if (!isObject(body)) {
    return { problem: `expected a JSON object, got ${typeName(body)}` };
  }
  if (!isStringArray(body.versions)) {
    return { problem: 'versions must be an array of strings' };
  }

  const features: Record<string, boolean> = {};
  if (isObject(body.unstable_features)) {
    for (const [name, enabled] of Object.entries(body.unstable_features)) {
      features[name] = enabled === true;
    }
  }
  return { value: { versions: body.versions, unstable_features: features } };
}

function checkMutualRoomsBody(body: unknown, unstable: boolean): Checked<MutualRoomsResponse> {
  if (!isObject(body)) {
    return { problem: `expected a JSON object, got ${typeName(body)}` };
  }
  if (!isStringArray(body.joined)) {
    return { problem: 'joined must be an array of room ID strings' };
  }

  // Synapse's unstable endpoint returns no count.
  // NOTE: a missing count becomes the length of this page, which undercounts when more pages follow.
  let count = body.count;
  if (count === undefined && unstable) {
    count = body.joined.length;
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    const received = count === undefined ? 'no count' : JSON.stringify(count);
    return { problem: `count must be a non-negative integer, got ${received}` };
  }

  const token = unstable ? (body.next_batch ?? body.next_batch_token) : body.next_batch;
  // Absent, null and "" all end the listing, because none of them can be sent back as `from`.
  if (token === undefined || token === null || token === '') {
    return { value: { joined: body.joined, count } };
  }
  if (typeof token !== 'string') {
    return { problem: `next_batch must be a string, got ${typeName(token)}` };
  }
  return { value: { joined: body.joined, count, next_batch: token } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function typeName(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}
