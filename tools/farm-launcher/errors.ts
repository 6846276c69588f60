/** A farm process ended before it did what the launcher waited for. */
export class ProcessExitedError extends Error {
  override readonly name = 'ProcessExitedError';

  constructor(
    readonly processName: string,
    readonly waitedFor: string,
    readonly lastLines: readonly string[],
  ) {
    super(`${processName} exited before ${waitedFor}; its last lines:\n${lastLines.join('\n')}`);
  }
}

/** A farm process did not do what the launcher waited for in time. */
export class ProcessWaitTimeoutError extends Error {
  override readonly name = 'ProcessWaitTimeoutError';

  constructor(
    readonly processName: string,
    readonly waitedFor: string,
    readonly timeoutMs: number,
    readonly lastLines: readonly string[],
  ) {
    super(
      `${processName}: no sign of ${waitedFor} after ${Math.round(timeoutMs / 1000)} s; its last lines:\n${lastLines.join('\n')}`,
    );
  }
}

/** The farm as a whole did not become ready (executors or poller missing from the monitor's status). */
export class FarmNotReadyError extends Error {
  override readonly name = 'FarmNotReadyError';
}

/** A farm runs in the namespace a launch asked for: starting there would delete its queues and keys. */
export class NamespaceInUseError extends Error {
  override readonly name = 'NamespaceInUseError';

  constructor(
    readonly namespace: string,
    readonly occupants: readonly string[],
  ) {
    super(
      `namespace "${namespace}" is in use by a running farm (${occupants.join('; ')}): ` +
        'stop that farm first or choose another namespace',
    );
  }
}
