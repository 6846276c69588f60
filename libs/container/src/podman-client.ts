import type Docker from 'dockerode';

import type { ContainerStep } from './errors/container.error';
import { toContainerError } from './errors/to-container-error';

/** What a call is about, to word and type its error. */
export interface CallTarget {
  step: ContainerStep;
  containerId?: string;
  image?: string;
}

/**
 * dockerode plus the two things every call needs: a bound on how long a control call may
 * wait for Podman, and translation of failures into typed {@link ContainerError}s.
 * Internal to the library.
 */
export class PodmanClient {
  constructor(
    readonly docker: Docker,
    readonly socketPath: string,
    readonly apiTimeoutMs: number,
  ) {}

  /**
   * Runs a short control call (create, start, inspect, kill, remove, list) bounded by
   * `apiTimeoutMs`: the signal aborts the HTTP request where dockerode passes it on, and
   * the call fails at the deadline even where it does not. Not for streams.
   */
  async call<T>(target: CallTarget, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${this.apiTimeoutMs} ms`));
      }, this.apiTimeoutMs);
    });
    try {
      return await Promise.race([fn(controller.signal), deadline]);
    } catch (err) {
      throw toContainerError(err, {
        ...target,
        socketPath: this.socketPath,
        timedOutAfterMs: controller.signal.aborted ? this.apiTimeoutMs : undefined,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a call whose duration depends on data size (archives, pulls, exec streams): no timeout. */
  async unbounded<T>(target: CallTarget, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toContainerError(err, { ...target, socketPath: this.socketPath });
    }
  }
}
