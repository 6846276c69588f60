import {
  type ContainerHandle,
  type ContainerManager,
  type EnsuredImage,
  type PodmanVersion,
} from '@koji-farm/container';
import { isErrorLike } from '../../tasks/errors/error-text';
import { type TaskContext } from '../../tasks/handler/task-context';

/**
 * What mock's hw_info plugin reports (lscpu, free, df), plus the kernel, seen from
 * inside the buildroot's container; each falls back to /proc when the image lacks
 * the tool. POSIX sh.
 */
export const HW_INFO_SCRIPT = [
  'echo "CPU info:"',
  'lscpu 2>/dev/null || grep -E "^(processor|model name|cpu MHz|cpu cores)" /proc/cpuinfo',
  'echo; echo "Memory:"',
  'free -h 2>/dev/null || head -n 3 /proc/meminfo',
  'echo; echo "Storage:"',
  'df -h / 2>/dev/null || cat /proc/mounts',
  'echo; echo "Kernel:"',
  'uname -a 2>/dev/null || cat /proc/version',
].join('\n');

/**
 * How long a build waits for Podman's version before writing hw_info.log without it.
 * Podman answers `/version` after its storage status, which waits for the storage lock:
 * on a farm busy committing snapshots and removing containers that took over the API
 * timeout (30 s) and failed every build's start, for a line of a log.
 */
export const HW_INFO_VERSION_WAIT_MS = 5_000;

/** Podman's version, or why it is not known after `waitMs` (the request goes on and fills the manager's cache). */
export async function podmanVersionWithin(
  containers: Pick<ContainerManager, 'version'>,
  waitMs: number,
): Promise<PodmanVersion | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`Podman did not answer /version within ${waitMs} ms`), waitMs);
  });
  try {
    return await Promise.race([
      containers.version().catch((err: unknown) => (isErrorLike(err) ? err.message : String(err))),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes the task's `hw_info.log`: Podman's version and parts and the image (reference
 * and id) from the host, then CPU, memory, disk and kernel from inside `container`
 * (one `exec hw_info` step). A failing script or an unknown Podman version is noted in
 * the log, not a failed build; an unreachable Podman is thrown by the step (the attempt
 * waits for it, as for any step).
 */
export async function writeHwInfo(
  ctx: TaskContext,
  containers: ContainerManager,
  container: ContainerHandle,
  image: EnsuredImage,
  timeoutMs: number,
): Promise<void> {
  const podman = await podmanVersionWithin(containers, HW_INFO_VERSION_WAIT_MS);
  const header = [
    ...(typeof podman === 'string'
      ? [`Podman: version not known (${podman})`]
      : [
          `Podman: ${podman.version} (API ${podman.apiVersion}, ${podman.platform}, kernel ${podman.kernelVersion})`,
          ...podman.components.map((c) => `  ${c.name}: ${c.version}`),
        ]),
    `Image: ${image.ref} (${image.id})`,
    '',
  ];
  await ctx.logs.append('hw_info.log', Buffer.from(header.join('\n') + '\n'));
  const result = await ctx.steps.exec(
    container,
    ['/bin/sh', '-c', HW_INFO_SCRIPT],
    ctx.logs.sink('hw_info.log'),
    {
      name: 'exec hw_info',
      log: 'hw_info.log',
      cwd: '/',
      timeoutMs,
    },
  );
  if (result.aborted) {
    const reason: unknown = ctx.signal.reason;
    throw isErrorLike(reason) ? reason : new Error(String(reason));
  }
  if (result.exitCode !== 0 || result.timedOut) {
    const how = result.timedOut ? 'timed out' : `exited with code ${result.exitCode}`;
    await ctx.logs.note('hw_info.log', `the hardware report ${how}; the build goes on`);
  }
}
