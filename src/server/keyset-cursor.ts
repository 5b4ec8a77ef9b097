import { MAX_CURSOR_BYTES } from './pagination-token.js';

/**
 * Chooses the keyset cursor that ends a page whose last room ID is `last` while `next` starts the
 * following page: any string C with last <= C < next (byte order) works, because the next page
 * lists rooms after C. Returns `last` when it fits in a token, else the shortest prefix of `next`
 * that sorts after `last`, else undefined when neither fits in MAX_CURSOR_BYTES.
 *
 * Prefixes are cut at code point boundaries, as UTF-8 byte order equals code point order.
 */
export function chooseCursor(last: string, next: string): string | undefined {
  if (Buffer.byteLength(last, 'utf8') <= MAX_CURSOR_BYTES) return last;

  const lastPoints = Array.from(last);
  const nextPoints = Array.from(next);
  let common = 0;
  while (common < lastPoints.length && lastPoints[common] === nextPoints[common]) common += 1;

  // `next` sorts after `last`, so it differs within its own length: the prefix one code point
  // past the common part sorts after `last`, and before `next` when it is shorter than `next`.
  if (common + 1 >= nextPoints.length) return undefined;
  const separator = nextPoints.slice(0, common + 1).join('');
  return Buffer.byteLength(separator, 'utf8') <= MAX_CURSOR_BYTES ? separator : undefined;
}
