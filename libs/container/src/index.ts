export { ContainerManager, VERSION_CACHE_MS } from './container-manager';
export {
  DEFAULT_API_TIMEOUT_MS,
  DEFAULT_MAX_ULIMIT,
  DEFAULT_PODMAN_SOCKET,
  type ContainerManagerOptions,
} from './container-manager-options';
export { ContainerModule, type ContainerModuleAsyncOptions } from './container.module';
export { CONTAINER_MANAGER_OPTIONS } from './container.constants';
export type { ContainerHandle, ContainerRef, ContainerSummary, ImageSummary } from './container-handle';
export {
  ATTEMPT_LABEL,
  EXECUTOR_LABEL,
  LABEL_PREFIX,
  OWNER_LABELS,
  TASK_LABEL,
  ownerLabels,
  type ContainerOwner,
} from './labels';

export {
  DEFAULT_ARGV,
  DEFAULT_NETWORK,
  DEFAULT_NOFILE,
  DEFAULT_NPROC,
  type BindMount,
  type ContainerSpec,
  type NetworkMode,
  type ResourceLimits,
  type SecurityOptions,
  type Ulimit,
} from './spec/container-spec';
export { buildCreateOptions } from './spec/build-create-options';

export { toPodmanVersion, type PodmanVersion } from './podman-version';
export { PULL_POLICIES, type EnsuredImage, type PullPolicy } from './image/pull-policy';

export { discardSink, type ExecSink } from './exec/exec-sink';
export { CollectingSink, DEFAULT_COLLECT_LIMIT_BYTES } from './exec/collecting-sink';
export type { ExecOptions, ExecResult } from './exec/exec-types';
export { demuxExecStream, type DemuxState, type ExecFrame } from './exec/exec-frame-demuxer';

export type { CopySource, CopyToOptions } from './archive/copy-source';
export { extractTarSafely, type ExtractedEntry, type SafeExtractOptions } from './archive/safe-tar-extract';

export { ContainerError, type ContainerErrorContext, type ContainerStep } from './errors/container.error';
export { ContainerNotFoundError } from './errors/container-not-found.error';
export { ExecInterruptedError } from './errors/exec-interrupted.error';
export { ImageNotFoundError } from './errors/image-not-found.error';
export { InvalidContainerRequestError } from './errors/invalid-container-request.error';
export { PodmanUnavailableError } from './errors/podman-unavailable.error';
export { UnsafeArchiveEntryError } from './errors/unsafe-archive-entry.error';
