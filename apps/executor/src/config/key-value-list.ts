import { z } from 'zod';

/**
 * `key=value,key2=value2` from one environment variable (labels, the per-tag image map).
 * Keys and values are trimmed; an entry without `=` is an error naming it.
 */
export const envKeyValueList = (key: z.ZodType<string, string>, value: z.ZodType<string, string>) =>
  z
    .string()
    .transform((raw, ctx) => {
      const entries: Array<[string, string]> = [];
      for (const part of raw.split(',').map((p) => p.trim())) {
        if (!part) continue;
        const at = part.indexOf('=');
        if (at <= 0) {
          ctx.addIssue({ code: 'custom', message: `expected key=value, got "${part}"` });
          return z.NEVER;
        }
        entries.push([part.slice(0, at).trim(), part.slice(at + 1).trim()]);
      }
      return entries;
    })
    .pipe(z.array(z.tuple([key, value])))
    .transform((entries) => Object.fromEntries(entries) as Record<string, string>);
