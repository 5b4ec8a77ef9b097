/**
 * Characters that JSON.stringify leaves raw but that must not reach a reader unescaped: DEL and the
 * C1 controls (Unicode category Cc above U+001F), format characters such as bidirectional
 * overrides (Cf), and the line and paragraph separators (Zl, Zp).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Quotes a client-supplied value for an error message as a JSON string literal, with every control
 * and invisible character escaped as `\uXXXX`. A value longer than `maxChars` code points is cut
 * and ends in "…".
 */
export function quoteValue(value: string, maxChars = Number.POSITIVE_INFINITY): string {
  const codePoints = Array.from(value);
  const excerpt = codePoints.length > maxChars ? `${codePoints.slice(0, maxChars).join('')}…` : value;
  return JSON.stringify(excerpt).replace(INVISIBLE, escapeCodeUnits);
}

function escapeCodeUnits(char: string): string {
  let escaped = '';
  for (let index = 0; index < char.length; index += 1) {
    escaped += `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}
