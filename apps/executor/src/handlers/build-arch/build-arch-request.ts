import { z } from 'zod';
import { type KojiValue } from '@koji-farm/koji';
import { buildError, FAULT, TaskFailureError } from '../../tasks/errors/task-failure.error';

/** `buildArch(pkg, root, arch, keep_srpm, opts=None)`, positional as the hub stores it. */
const requestSchema = z.tuple(
  [
    z.string().min(1),
    z.union([z.string().min(1), z.number().int()]),
    z.string().regex(/^[A-Za-z0-9_]{1,32}$/),
    z.union([z.boolean(), z.number(), z.null()]),
  ],
  z.unknown(),
);
const optsSchema = z.record(z.string(), z.unknown()).nullable().optional();

export interface BuildArchRequest {
  /** `work/`-relative path of the SRPM the parent uploaded. */
  pkg: string;
  /** Build tag (name or id). */
  root: string | number;
  arch: string;
  keepSrpm: boolean;
  repoId: number;
  opts: Record<string, unknown>;
}

/**
 * Reads a buildArch request. Wrong arguments fail the task with ParameterError; a
 * missing `repo_id` with BuildError, as kojid says it ("A repo id must be provided").
 */
export function parseBuildArchRequest(request: readonly KojiValue[]): BuildArchRequest {
  const args = requestSchema.safeParse(request);
  if (!args.success || request.length > 5) {
    const detail = args.success ? 'expected at most 5 arguments' : describe(args.error);
    throw new TaskFailureError(
      FAULT.parameter.code,
      FAULT.parameter.name,
      `Invalid buildArch arguments: ${detail}`,
    );
  }
  const [pkg, root, arch, keepSrpm] = args.data;
  const opts = optsSchema.safeParse(request[4]);
  if (!opts.success) {
    throw new TaskFailureError(
      FAULT.parameter.code,
      FAULT.parameter.name,
      'Invalid buildArch arguments: opts must be a struct',
    );
  }
  const options = opts.data ?? {};
  const repoId = options.repo_id;
  if (typeof repoId !== 'number' || !Number.isInteger(repoId) || repoId <= 0)
    throw buildError('A repo id must be provided');
  if (pkg.split('/').includes('..') || pkg.startsWith('/')) {
    throw new TaskFailureError(FAULT.parameter.code, FAULT.parameter.name, `Invalid SRPM path: ${pkg}`);
  }
  return { pkg, root, arch, keepSrpm: Boolean(keepSrpm), repoId, opts: options };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const names = ['pkg', 'root', 'arch', 'keep_srpm', 'opts'];
  const at =
    typeof issue.path[0] === 'number' ? (names[issue.path[0]] ?? `argument ${issue.path[0]}`) : 'arguments';
  return `${at}: ${issue.message}`;
}
