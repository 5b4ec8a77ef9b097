export const REDACTED = '<redacted>';

/** Function that replaces secrets in text, built once per run from every access token of the run. */
export type Redactor = (text: string) => string;

/**
 * Creates a redactor that replaces each secret, the value of any `access_token` query parameter
 * and any `Bearer` credential with `<redacted>`. Longer secrets are replaced first, so a token
 * that contains another is hidden whole.
 */
export function createRedactor(secrets: Iterable<string | undefined>): Redactor {
  const known = [...new Set([...secrets].filter((secret): secret is string => !!secret))];
  known.sort((left, right) => right.length - left.length);

  // URL-encoded forms too, because tokens also appear inside URLs and query strings.
  const forms = new Set<string>();
  for (const secret of known) {
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }

  return (text) => {
    let result = text;
    for (const form of forms) result = result.split(form).join(REDACTED);
    result = result.replace(/(access_token=)[^&\s"']+/g, `$1${REDACTED}`);
    return result.replace(/(Bearer\s+)(?!<redacted>)[^\s"',]+/gi, `$1${REDACTED}`);
  };
}
