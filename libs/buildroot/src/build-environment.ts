import { envName, envValue, pythonStr } from './safe-values';
import { BUILDDIR } from './macros-file';

const ENV_PREFIX = 'rpm.env.';

/**
 * The environment of every command in the buildroot: the tag's `rpm.env.NAME` extra
 * entries (kojid's `tag_envvars`) and a fixed HOME. HOME matters: Debian's rpm keeps its
 * database under `~/.rpmdb`, so dnf and `rpm -qa` must agree on it. The tag cannot move
 * HOME away from the buildroot's home.
 */
export function buildEnvironment(extra: Readonly<Record<string, unknown>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!key.startsWith(ENV_PREFIX)) continue;
    const field = `extra["${key}"]`;
    env[envName(field, key.slice(ENV_PREFIX.length))] = envValue(field, pythonStr(field, value));
  }
  env.HOME = BUILDDIR;
  return env;
}
