import { z } from 'zod';

import { LABEL_PREFIX, OWNER_LABELS } from '../labels';

const absolutePath = z
  .string()
  .regex(/^\/[^\0]*$/, 'must be an absolute path without NUL characters')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

const nonNegativeInt = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();

/** Keys must be ours and must not impersonate the owner labels, which the spec's owner sets. */
export const extraLabelsSchema = z.record(
  z
    .string()
    .refine(
      (k) => k.startsWith(LABEL_PREFIX) && k.length > LABEL_PREFIX.length,
      `must start with ${LABEL_PREFIX}`,
    )
    .refine((k) => !OWNER_LABELS.includes(k), 'is set from the spec owner and cannot be given as a label'),
  z.string(),
);

const capability = z
  .string()
  .regex(/^(ALL|(CAP_)?[A-Z_]+)$/, 'must be a capability name such as CHOWN or ALL');

function ulimitSchema(maxUlimit: number) {
  return z
    .object({
      soft: nonNegativeInt.max(maxUlimit, `must be at most ${maxUlimit} (the host's hard limit)`),
      hard: nonNegativeInt.max(maxUlimit, `must be at most ${maxUlimit} (the host's hard limit)`),
    })
    .strict()
    .refine((u) => u.soft <= u.hard, 'soft must not exceed hard');
}

/**
 * The zod schema `ContainerManager.create` checks a {@link ContainerSpec} against before
 * talking to Podman. Strict: unknown fields are errors.
 */
export function containerSpecSchema(maxUlimit: number) {
  return z
    .object({
      image: z.string().min(1),
      owner: z
        .object({
          executorId: z.string().min(1),
          taskId: z.union([z.string().min(1), nonNegativeInt]),
          attempt: nonNegativeInt,
        })
        .strict(),
      name: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be letters, digits, "_", "." or "-" (max 128)')
        .optional(),
      argv: z.array(z.string()).min(1, 'must not be empty').optional(),
      env: z.record(z.string().regex(/^[^=\0]+$/, 'must not contain "=" or NUL'), z.string()).optional(),
      workdir: absolutePath.optional(),
      user: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]+(:[a-zA-Z0-9_.-]+)?$/, 'must be user, uid or uid:gid')
        .optional(),
      labels: extraLabelsSchema.optional(),
      mounts: z
        .array(
          z.object({ source: absolutePath, target: absolutePath, readOnly: z.boolean().optional() }).strict(),
        )
        .optional(),
      tmpfs: z.record(absolutePath, z.string()).optional(),
      network: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:-]*$/, 'must be none, host, bridge or a network name')
        .optional(),
      resources: z
        .object({
          memoryBytes: positiveInt.optional(),
          memorySwapBytes: z.union([z.literal(-1), positiveInt]).optional(),
          cpus: z.number().positive().optional(),
          pidsLimit: positiveInt.optional(),
          shmSizeBytes: positiveInt.optional(),
          nofile: ulimitSchema(maxUlimit).optional(),
          nproc: ulimitSchema(maxUlimit).optional(),
        })
        .strict()
        .refine(
          (r) =>
            r.memorySwapBytes === undefined ||
            r.memorySwapBytes === -1 ||
            (r.memoryBytes !== undefined && r.memorySwapBytes >= r.memoryBytes),
          {
            message: 'memorySwapBytes needs memoryBytes and must be at least memoryBytes (or -1)',
            path: ['memorySwapBytes'],
          },
        )
        .optional(),
      security: z
        .object({
          capDrop: z.array(capability).optional(),
          capAdd: z.array(capability).optional(),
          noNewPrivileges: z.boolean().optional(),
          readOnlyRootfs: z.boolean().optional(),
        })
        .strict()
        .optional(),
      init: z.boolean().optional(),
    })
    .strict();
}

/** One line per zod issue: `path.to.field: message` (a bad record key gives its own reasons). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(spec)';
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      return issue.issues.map((inner) => `${where}: ${inner.message}`);
    }
    return [`${where}: ${issue.message}`];
  });
}
