/**
 * This machine's file system failed while a file from the hub was being stored (no
 * space, a directory that cannot be made, a path that is a file, ...): the hub and the
 * network did nothing wrong. `retryable` when the condition may pass (space, file
 * descriptors, I/O errors) — perhaps on another machine —; not for a path that cannot
 * work (permissions, read-only file system, a file where a directory should be).
 */
export class LocalFileError extends Error {
  override readonly name = 'LocalFileError';
  readonly retryable: boolean;
  /** The errno code (`ENOSPC`, `ENOTDIR`, ...), when the system gave one. */
  readonly code: string | undefined;

  constructor(
    message: string,
    readonly path: string,
    options: { cause?: unknown } = {},
  ) {
    const code = errnoCode(options.cause);
    super(message, options);
    this.code = code;
    this.retryable = code === undefined || !PERMANENT.has(code);
  }
}

/** Codes for which the same operation on this machine fails the same way again. */
const PERMANENT = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'ENAMETOOLONG',
  'EEXIST',
  'ELOOP',
]);

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
