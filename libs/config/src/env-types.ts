import { z } from 'zod';

/**
 * zod building blocks for values that arrive as environment strings. Each says in its
 * error what it expected, so the boot error is enough to fix the key.
 */

export const envInt = (options: { min?: number; max?: number } = {}) => {
  let schema = z.coerce.number({ error: 'expected an integer' }).int({ error: 'expected an integer' });
  if (options.min !== undefined)
    schema = schema.min(options.min, { error: `expected an integer ≥ ${options.min}` });
  if (options.max !== undefined)
    schema = schema.max(options.max, { error: `expected an integer ≤ ${options.max}` });
  return schema;
};

export const envNumber = (options: { min?: number } = {}) => {
  let schema = z.coerce
    .number({ error: 'expected a number' })
    .refine(Number.isFinite, 'expected a finite number');
  if (options.min !== undefined)
    schema = schema.refine((n) => n >= options.min!, `expected a number ≥ ${options.min}`);
  return schema;
};

export const envBoolean = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list; blanks are dropped. */
export const envList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

export const envUrl = (protocols: readonly string[]) =>
  z.url({ error: `expected a URL (${protocols.join(', ')})` }).refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    `expected a URL with scheme ${protocols.join(' or ')}`,
  );

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
