/**
 * Receives an exec's output as it arrives, stdout and stderr apart. Chunks are as Podman
 * framed them (a few KiB to 32 KiB), never the whole output. A sink that returns a promise
 * applies backpressure: no further chunk is read from Podman until it settles. A sink that
 * throws (or rejects) stops the command and makes `exec` throw a `ContainerError` with the
 * sink's error as cause.
 *
 * A chunk may be a view into a larger buffer: copy it (`Buffer.from(chunk)`) to keep it.
 */
export interface ExecSink {
  stdout(chunk: Buffer): void | Promise<void>;
  stderr(chunk: Buffer): void | Promise<void>;
}

/** A sink that drops everything, for commands whose output nobody needs. */
export const discardSink: ExecSink = {
  stdout: () => undefined,
  stderr: () => undefined,
};
