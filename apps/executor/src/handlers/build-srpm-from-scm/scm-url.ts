import { posix } from 'node:path';
import { SCM_SCHEMES } from '../../orchestration/scm-url';
import { buildError, FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';

export type ScmType = 'CVS' | 'CVS+SSH' | 'GIT' | 'GIT+SSH' | 'SVN' | 'SVN+SSH';

const TYPES: ReadonlyArray<[ScmType, readonly string[]]> = [
  ['CVS', ['cvs://']],
  ['CVS+SSH', ['cvs+ssh://']],
  ['GIT', ['git://', 'git+http://', 'git+https://', 'git+rsync://']],
  ['GIT+SSH', ['git+ssh://']],
  ['SVN', ['svn://', 'svn+http://', 'svn+https://']],
  ['SVN+SSH', ['svn+ssh://']],
];

/** A source URL `scheme://[user@]host/path/to/repo?path/to/module#revision`, as kojid's SCM reads it. */
export interface ScmUrl {
  /** The URL as given (it may hold a password: never log it; `shown` is for messages). */
  url: string;
  /** The URL with its password, if any, replaced by `***`: for logs, errors and results. */
  shown: string;
  scheme: string;
  user: string | null;
  /** Only when ALLOW_PASSWORD_IN_SCM_URL: the checkout gets it from a credential helper, never in a command line. */
  password: string | null;
  host: string;
  repository: string;
  module: string;
  revision: string;
  scmtype: ScmType;
}

/**
 * kojid's `SCM.__init__` / `_parse_url`: the scheme must be one Koji knows, the URL must
 * have a host, a path and a `#revision`; no `;params`; a password only when allowed.
 * Paths are normalised and lose trailing slashes, as Python's `os.path.normpath` does.
 * Unlike kojid, a password never appears in an error, and a revision may not start with
 * `-` (git would read it as an option).
 * @throws TaskFailureError (GenericError) naming what is wrong
 */
export function parseScmUrl(url: string, allowPassword = false): ScmUrl {
  const scheme = SCM_SCHEMES.find((s) => url.startsWith(s));
  if (!scheme)
    throw generic(`Invalid scheme in scm url. Valid schemes are: ${[...SCM_SCHEMES].sort().join(' ')}`);
  const rest = url.slice(scheme.length);
  const shown = scheme + redactPassword(rest);
  const hashAt = rest.indexOf('#');
  const fragment = hashAt >= 0 ? rest.slice(hashAt + 1) : '';
  const beforeHash = hashAt >= 0 ? rest.slice(0, hashAt) : rest;
  const queryAt = beforeHash.indexOf('?');
  const query = queryAt >= 0 ? beforeHash.slice(queryAt + 1) : '';
  const beforeQuery = queryAt >= 0 ? beforeHash.slice(0, queryAt) : beforeHash;
  const slashAt = beforeQuery.indexOf('/');
  const netloc = slashAt >= 0 ? beforeQuery.slice(0, slashAt) : beforeQuery;
  let path = slashAt >= 0 ? beforeQuery.slice(slashAt) : '';
  if (path.includes(';'))
    throw generic(
      `Unable to parse SCM URL: ${shown} . Params element ${path.slice(path.indexOf(';') + 1)} should be empty.`,
    );
  const userhost = netloc.split('@');
  if (userhost.length > 2) throw generic(`Invalid username@hostname specified: ${redactPassword(netloc)}`);
  const host = userhost[userhost.length - 1];
  let user: string | null = null;
  let password: string | null = null;
  if (userhost.length === 2) {
    const at = userhost[0].indexOf(':');
    user = at >= 0 ? userhost[0].slice(0, at) : userhost[0];
    password = at >= 0 && at < userhost[0].length - 1 ? userhost[0].slice(at + 1) : null;
    if (password !== null && !allowPassword)
      throw generic(`username:password format not supported: ${user}:***`);
  }
  if (!host) throw generic(`Unable to parse SCM URL: ${shown} . Could not find the netloc element.`);
  if (!path) throw generic(`Unable to parse SCM URL: ${shown} . Could not find the path element.`);
  path = posix.normalize(path).replace(/\/+$/, '');
  if (path.startsWith('//')) path = `/${path.replace(/^\/+|\/+$/g, '')}`;
  if (!fragment) throw generic(`Unable to parse SCM URL: ${shown} . Could not find the fragment element.`);
  if (fragment.replace(/^origin\//, '').startsWith('-'))
    throw generic(`Invalid revision in SCM URL: ${fragment} (it may not start with -)`);
  const scmtype = TYPES.find(([, schemes]) => schemes.includes(scheme))![0];
  return {
    url,
    shown,
    scheme,
    user,
    password,
    host,
    repository: path,
    module: query.replace(/\/+$/, ''),
    revision: fragment,
    scmtype,
  };
}

/** What an allowed_scms rule lets a URL do. */
export interface ScmPermission {
  /** The rule that matched, as written. */
  rule: string;
  /** Check out `common/` next to the module (kojid's use_common). */
  useCommon: boolean;
  /** The command that fetches the sources (`make sources` unless the rule says otherwise); null: none. */
  sourceCmd: string[] | null;
}

/**
 * kojid's `assert_allowed_by_config`: the first rule of `allowed` (space-separated
 * `host:repository[:use_common[:source_cmd]]` or `!host:repository`, glob patterns) that
 * matches host and repository decides. The error names the rule that blocked the URL, or
 * says that none allowed it.
 * @throws TaskFailureError (BuildError)
 */
export function assertScmAllowed(scm: ScmUrl, allowed: string): ScmPermission {
  for (const rule of allowed.split(/\s+/).filter(Boolean)) {
    const parts = rule.split(':');
    if (parts.length < 2) continue; // kojid ignores (and logs) a malformed entry
    const invert = parts[0].startsWith('!');
    const hostPattern = invert ? parts[0].slice(1) : parts[0];
    if (!fnmatch(scm.host, hostPattern) || !fnmatch(scm.repository, parts[1])) continue;
    if (invert)
      throw buildError(
        `${scm.host}:${scm.repository} is not allowed: blocked by the allowed_scms rule ${rule}`,
      );
    const useCommon =
      parts.length >= 3 ? !['no', 'off', 'false', '0'].includes(parts[2].toLowerCase()) : true;
    let sourceCmd: string[] | null = ['make', 'sources'];
    if (parts.length >= 4) sourceCmd = parts[3] ? parts[3].split(',') : null;
    return { rule, useCommon, sourceCmd };
  }
  throw buildError(
    `${scm.host}:${scm.repository} is not in the list of allowed SCMs (no allowed_scms rule matches: ${allowed.trim() || 'the list is empty'})`,
  );
}

/** Python's fnmatch (case-sensitive, as on Linux): `*`, `?` and `[...]`. */
function fnmatch(value: string, pattern: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) source += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        source += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

/** `user:password@host/...` → `user:***@host/...` (the part after the scheme). */
function redactPassword(rest: string): string {
  return rest.replace(/^([^/?#@:]*):[^/?#]*@/, '$1:***@');
}

function generic(message: string): TaskFailureError {
  return new TaskFailureError(FAULT.generic.code, FAULT.generic.name, message);
}
