/** Options of one `ContainerManager.exec`. */
export interface ExecOptions {
  /** Added to (and overriding) the container's environment for this command only. */
  env?: Readonly<Record<string, string>>;
  /** Absolute working directory; default the container's `workdir`. A missing one makes the exec exit 127. */
  cwd?: string;
  /** `user`, `uid` or `uid:gid`; default the container's user. */
  user?: string;
  /** Kill the command (and every process it started) after this many ms; result `timedOut`. */
  timeoutMs?: number;
  /** Kill the command (and its children) when this aborts; result `aborted`. */
  signal?: AbortSignal;
}

/**
 * How an exec ended. A command stopped by `timeoutMs` or `signal` has `timedOut` or
 * `aborted` set and (normally) `exitCode` 137; judge by the flags, not by the code: a
 * command may exit 137 on its own (OOM kill inside the container).
 */
export interface ExecResult {
  /**
   * The command's exit code: 0 success, 127 command (or cwd) not found, 126 not
   * executable, 128+n killed by signal n. `null` only when the signal was already
   * aborted before the command started (then nothing ran).
   */
  exitCode: number | null;
  /** Stopped because `timeoutMs` elapsed. */
  timedOut: boolean;
  /** Stopped because `signal` aborted. */
  aborted: boolean;
  /**
   * True when stopping the command had to kill the whole container (the executor could
   * not see the exec's host process, e.g. it runs in another pid namespace): every other
   * exec ended too and the container is stopped.
   */
  containerKilled: boolean;
  /** From starting the exec to reading its exit code. */
  durationMs: number;
}
