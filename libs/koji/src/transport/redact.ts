/**
 * A URL fit for messages and logs: scheme, host, port and path, without user info or
 * query (upload URLs carry file names; old-style session URLs carry keys).
 */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * Replaces every occurrence of the given secrets in text (a fault string, an error
 * page) with `***`, so text from the server cannot leak them into errors or logs.
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('***');
  }
  return result;
}

/** The first `max` characters of a body, on one line, for an error message. */
export function snippet(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
