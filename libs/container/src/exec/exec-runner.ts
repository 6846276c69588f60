import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

import type { Container, Exec, ExecInspectInfo } from 'dockerode';

import type { ContainerRef } from '../container-handle';
import { ContainerError } from '../errors/container.error';
import { ExecInterruptedError } from '../errors/exec-interrupted.error';
import { InvalidContainerRequestError } from '../errors/invalid-container-request.error';
import { PodmanUnavailableError } from '../errors/podman-unavailable.error';
import type { PodmanClient } from '../podman-client';
import { demuxExecStream, type DemuxState } from './exec-frame-demuxer';
import type { ExecSink } from './exec-sink';
import {
  findContainerProcess,
  isStillRunning,
  procHostProcessOps,
  type HostProcess,
  type HostProcessOps,
} from './host-process-ops';
import { STOP_WAIT_MS, type ExecStopper, type StopOutcome } from './exec-stopper';
import type { ExecOptions, ExecResult } from './exec-types';

type StopReason = 'timeout' | 'abort' | 'sink';

/** After a kill, how long the output stream may stay open before we cut it. */
const STREAM_GRACE_MS = STOP_WAIT_MS + 1000;
/** When the stream ended but Podman still says "running", how long to re-check before calling it interrupted. */
const RUNNING_RECHECK_MS = 250;
const POLL_MS = 25;

/**
 * Runs one command in a running container and streams its output into a sink (the
 * `ContainerManager.exec` implementation). Internal to the library.
 */
export class ExecRunner {
  constructor(
    private readonly client: PodmanClient,
    private readonly stopper: ExecStopper,
    private readonly host: HostProcessOps = procHostProcessOps,
  ) {}

  async run(
    ref: ContainerRef,
    argv: readonly string[],
    sink: ExecSink,
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    checkExecRequest(ref.id, argv, options);
    const startedAt = performance.now();
    if (options.signal?.aborted) {
      return { exitCode: null, timedOut: false, aborted: true, containerKilled: false, durationMs: 0 };
    }
    const containerId = ref.id;
    const container = this.client.docker.getContainer(containerId);
    const exec = await this.client.call({ step: 'exec', containerId }, (signal) =>
      container.exec({
        Cmd: [...argv],
        Env: options.env && Object.entries(options.env).map(([k, v]) => `${k}=${v}`),
        WorkingDir: options.cwd,
        User: options.user,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        abortSignal: signal,
      }),
    );

    // A stop may be asked for before the stream is open; the kill starts once it is.
    let stopReason: StopReason | undefined;
    let stopping: Promise<StopOutcome | { error: unknown }> | undefined;
    let streamEnded = false; // ended by the command exiting, not by us
    let socket: Duplex | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const launchKill = (): void => {
      stopping = this.stopper.stop(container, exec, () => streamEnded).catch((error: unknown) => ({ error }));
      graceTimer = setTimeout(() => socket?.destroy(), STREAM_GRACE_MS);
    };
    const stop = (reason: StopReason): void => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      if (socket !== undefined) launchKill();
    };
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = (): void => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const demux: DemuxState = { truncated: false };
    let streamError: unknown;
    let sinkError: unknown;
    let watched: HostProcess | undefined;
    try {
      socket = await this.client.unbounded({ step: 'exec', containerId }, async () => {
        const s: unknown = await exec.start({ hijack: true, stdin: false });
        return s as Duplex;
      });
      if (stopReason !== undefined) launchKill();
      // Alongside the stream, but settled before any output reaches the sink: the pid is
      // known before anything the sink does (or the service dying) can race it.
      const watching = this.watchProcess(exec, containerId);
      let first = true;
      for await (const frame of demuxExecStream(socket, demux)) {
        if (first) {
          watched = await watching;
          first = false;
        }
        try {
          await (frame.stream === 'stdout' ? sink.stdout(frame.data) : sink.stderr(frame.data));
        } catch (err) {
          sinkError = err;
          stop('sink');
          break; // leaving the loop destroys the socket
        }
      }
      streamEnded = sinkError === undefined;
      if (first) watched = await watching;
    } catch (err) {
      streamError = err;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    const outcome = stopping === undefined ? undefined : await stopping;
    if (graceTimer !== undefined) clearTimeout(graceTimer);

    if (socket === undefined) throw streamError; // exec.start failed: already a ContainerError
    if (outcome !== undefined && typeof outcome === 'object') {
      throw new ContainerError(`Could not stop exec ${exec.id} in container ${containerId}`, {
        step: 'kill',
        containerId,
        cause: outcome.error,
      });
    }
    if (sinkError !== undefined) {
      throw new ContainerError(`The output sink of exec ${exec.id} failed; the command was killed`, {
        step: 'exec',
        containerId,
        cause: sinkError,
      });
    }
    // A command that ended by itself while a stop was on its way keeps its own result.
    const stopped = outcome === 'process-group' || outcome === 'container';
    if (streamError !== undefined && !stopped) {
      throw new ExecInterruptedError(containerId, exec.id, 'its output stream broke', streamError);
    }

    const info = await this.readExit(container, exec, stopped);
    if (!stopped) {
      const process = watched;
      if (process !== undefined && (await this.outlivesItsStream(process))) {
        throw new ExecInterruptedError(
          containerId,
          exec.id,
          `Podman reports it finished (exit ${String(info.ExitCode)}) but its process (host pid ${process.pid}) ` +
            'still runs; the API service probably restarted',
        );
      }
      if (demux.truncated) {
        throw new ExecInterruptedError(containerId, exec.id, 'its output stream was cut inside a frame');
      }
    }
    return {
      exitCode: info.ExitCode,
      timedOut: stopped && stopReason === 'timeout',
      aborted: stopped && stopReason === 'abort',
      containerKilled: outcome === 'container',
      durationMs: Math.round(performance.now() - startedAt),
    };
  }

  /**
   * The exec's host process, to tell later whether it really ended: after an API service
   * restart Podman may report a still running exec as finished with exit code 0 (seen on
   * Podman 4.3 while other containers were being created and removed). Undefined when
   * the command already ended or its pid is not visible from here.
   */
  private async watchProcess(exec: Exec, containerId: string): Promise<HostProcess | undefined> {
    try {
      const info = await this.client.call({ step: 'exec', containerId }, (signal) =>
        exec.inspect({ abortSignal: signal }),
      );
      if (!info.Running || info.Pid <= 0) return undefined;
      return await findContainerProcess(this.host, info.Pid, containerId);
    } catch {
      return undefined; // only a safety net: the exit code is read separately
    }
  }

  /** True when the process is still alive a moment after its output stream ended. */
  private async outlivesItsStream(process: HostProcess): Promise<boolean> {
    const deadline = Date.now() + RUNNING_RECHECK_MS;
    while (await isStillRunning(this.host, process)) {
      if (Date.now() >= deadline) return true;
      await delay(POLL_MS);
    }
    return false;
  }

  /**
   * The exit code, read right after the stream ended. Podman may say "running" for a few
   * ms after a kill; if it still does after that, the stream ended without the command
   * ending: the API service restarted under us (or our kill failed).
   */
  private async readExit(container: Container, exec: Exec, wasStopped: boolean): Promise<ExecInspectInfo> {
    const containerId = container.id;
    const deadline = Date.now() + (wasStopped ? STOP_WAIT_MS : RUNNING_RECHECK_MS);
    for (;;) {
      let info: ExecInspectInfo;
      try {
        info = await this.client.call({ step: 'exec', containerId }, (signal) =>
          exec.inspect({ abortSignal: signal }),
        );
      } catch (err) {
        if (!(err instanceof PodmanUnavailableError)) throw err;
        throw new ExecInterruptedError(
          containerId,
          exec.id,
          'its output stream ended and Podman could not be asked whether the command finished',
          err,
        );
      }
      if (!info.Running) return info;
      if (Date.now() >= deadline) {
        if (wasStopped) {
          throw new ContainerError(`Exec ${exec.id} (pid ${info.Pid}) is still running after being killed`, {
            step: 'kill',
            containerId,
          });
        }
        throw new ExecInterruptedError(
          containerId,
          exec.id,
          `its output stream ended while Podman reports the command (host pid ${info.Pid}) still running; ` +
            'the API service probably restarted',
        );
      }
      await delay(POLL_MS);
    }
  }
}

function checkExecRequest(containerId: string, argv: readonly string[], options: ExecOptions): void {
  const problems: string[] = [];
  if (!Array.isArray(argv) || argv.length === 0) problems.push('argv must be a non-empty array');
  else if (argv.some((a) => typeof a !== 'string' || a.includes('\0')))
    problems.push('argv items must be strings without NUL');
  if (options.cwd !== undefined && !options.cwd.startsWith('/'))
    problems.push(`cwd ${options.cwd} must be absolute`);
  for (const key of Object.keys(options.env ?? {})) {
    if (key === '' || key.includes('=') || key.includes('\0'))
      problems.push(`env name ${JSON.stringify(key)} is invalid`);
  }
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    problems.push('timeoutMs must be a positive number');
  }
  if (problems.length > 0) throw new InvalidContainerRequestError(problems, { step: 'exec', containerId });
}
