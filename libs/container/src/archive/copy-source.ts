/**
 * What `ContainerManager.copyTo` copies: a host path (a file, or a directory copied with
 * everything below it) or bytes in memory (written as one file).
 */
export type CopySource = string | Buffer;

/** Options of `ContainerManager.copyTo`. */
export interface CopyToOptions {
  /** Mode of a Buffer source; default 0o644. Host files and directories keep their own modes. */
  mode?: number;
  /** Owner of every copied entry inside the container; default root (0). */
  uid?: number;
  gid?: number;
}
