import { ContainerError } from './container.error';

/**
 * An archive copied out of a container holds an entry that would write, or point, outside
 * the destination directory: an absolute path, a `..` component, a symlink or hard link
 * whose target lies outside, a path through a symlink, or a device/fifo entry. Nothing
 * outside the destination was written; entries extracted before this one stay (inside).
 * Not worth retrying: the container's content is hostile or broken.
 */
export class UnsafeArchiveEntryError extends ContainerError {
  override readonly name = 'UnsafeArchiveEntryError';

  constructor(
    /** The entry's name exactly as the archive spells it. */
    readonly entryName: string,
    /** Why it was refused, e.g. "symlink target /etc/passwd is outside the destination". */
    readonly reason: string,
    context: { containerId?: string } = {},
  ) {
    super(`Unsafe archive entry ${JSON.stringify(entryName)}: ${reason}`, { step: 'copy', ...context });
  }
}
