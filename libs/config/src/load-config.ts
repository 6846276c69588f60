import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { type z } from 'zod';
import { ConfigFileError } from './config-file.error';
import { ConfigValidationError, type ConfigIssue } from './config-validation.error';

/** Environment variable naming an optional `KEY=value` file; real environment variables win over it. */
export const CONFIG_FILE_VARIABLE = 'KOJI_FARM_CONFIG_FILE';

export type ConfigSource = Readonly<Record<string, string | undefined>>;

/**
 * Reads the raw key/value source for an app: the optional config file overlaid by the
 * environment. Only `main.ts` of each app calls this with `process.env`; everything else
 * receives the typed config object.
 */
export function readConfigSource(env: ConfigSource): ConfigSource {
  const file = env[CONFIG_FILE_VARIABLE];
  if (!file) return env;
  let fromFile: Record<string, string>;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (cause) {
    throw new ConfigFileError(file, { cause });
  }
  return { ...fromFile, ...env };
}

/**
 * Validates `source` against an app's schema and returns the typed, mapped config.
 * Empty strings count as unset so that `FOO=` in a compose file means "use the default".
 * @throws ConfigValidationError naming every bad key (never its value).
 */
export function loadConfig<S extends z.ZodType>(app: string, schema: S, source: ConfigSource): z.output<S> {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
    key: issue.path.length > 0 ? issue.path.map(String).join('.') : '(config)',
    message: issue.message,
  }));
  throw new ConfigValidationError(app, issues);
}
