import { setTimeout as delay } from 'node:timers/promises';

import type { Container, Exec } from 'dockerode';

import type { PodmanClient } from '../podman-client';
import { findContainerProcess, procHostProcessOps, type HostProcessOps } from './host-process-ops';

/** How a running exec was stopped. */
export type StopOutcome = 'process-group' | 'container' | 'finished';

const POLL_MS = 25;
/** How long to wait for an exec that is not running yet (just started) before killing the container. */
export const STOP_WAIT_MS = 2000;

/**
 * Stops a running exec. Docker's API has no exec-kill, so (ADR 0011): read the exec's
 * host pid from `exec.inspect()`, check through `/proc/<pid>/cgroup` that the pid belongs
 * to this container (guards against a reused pid and against an executor in another pid
 * namespace), and SIGKILL its process group, which ends the command and every child that
 * did not start its own session. When the pid is not visible or not ours, falls back to
 * killing the whole container.
 */
export class ExecStopper {
  constructor(
    private readonly client: PodmanClient,
    private readonly host: HostProcessOps = procHostProcessOps,
  ) {}

  /**
   * @param isFinished true once the exec's output stream ended: the command is over and
   *   nothing needs killing.
   */
  async stop(container: Container, exec: Exec, isFinished: () => boolean): Promise<StopOutcome> {
    const containerId = container.id;
    const deadline = Date.now() + STOP_WAIT_MS;
    while (!isFinished()) {
      const info = await this.client.call({ step: 'kill', containerId }, (signal) =>
        exec.inspect({ abortSignal: signal }),
      );
      if (info.Running && info.Pid > 0) {
        if (await this.killProcessGroup(info.Pid, containerId)) return 'process-group';
        const again = await this.client.call({ step: 'kill', containerId }, (signal) =>
          exec.inspect({ abortSignal: signal }),
        );
        if (!again.Running) return 'finished';
        await this.killContainer(container);
        return 'container';
      }
      // Not running: either not started yet or just finished (its stream is about to end).
      if (Date.now() >= deadline) {
        await this.killContainer(container);
        return 'container';
      }
      await delay(POLL_MS);
    }
    return 'finished';
  }

  /** Kills the exec's process group; false when the pid is not visible here or not in this container. */
  private async killProcessGroup(pid: number, containerId: string): Promise<boolean> {
    const found = await findContainerProcess(this.host, pid, containerId);
    if (found === undefined) return false;
    try {
      // Podman makes the exec'd process a group leader; if it is not, kill just it.
      this.host.kill(found.pgrp === pid ? -pid : pid);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return true; // ended between the check and the kill
      return false; // EPERM: not root; let the container kill do it
    }
  }

  private async killContainer(container: Container): Promise<void> {
    await this.client.call({ step: 'kill', containerId: container.id }, (signal) =>
      container.kill({ signal: 'SIGKILL', abortSignal: signal }),
    );
  }
}
