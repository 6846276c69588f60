/** A `${VAR:?message}` variable that is unset or empty: Compose refuses to start. */
export class MissingComposeVariableError extends Error {
  override readonly name = 'MissingComposeVariableError';
}

const VARIABLE =
  /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}\\]|\\.)*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\$/g;

/** Every variable a Compose file's text names (`${VAR}`, `${VAR:-default}`, `$VAR`, ...). */
export function composeVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(VARIABLE)) {
    const name = match[1] ?? match[4];
    if (name) names.add(name);
  }
  return names;
}

/**
 * Compose's interpolation of one string value: `${VAR}`, `${VAR:-default}` (unset or
 * empty), `${VAR-default}` (unset), `${VAR:?error}`, `${VAR?error}`, `$VAR`, `$$`.
 */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(VARIABLE, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const current = env[name];
    switch (op) {
      case ':-':
        return current ? current : (arg ?? '');
      case '-':
        return current ?? arg ?? '';
      case ':?':
      case '?':
        if (current === undefined || (op === ':?' && current === ''))
          throw new MissingComposeVariableError(`${name}: ${arg ?? 'required'}`);
        return current;
      default:
        return current ?? '';
    }
  });
}

/** Interpolates every string in a parsed Compose document. */
export function interpolateDeep(node: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateDeep(n, env));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDeep(v, env)]));
  return node;
}
