import { randomBytes } from 'node:crypto';

import type { ContainerCreateOptions, HostConfig, MountSettings } from 'dockerode';

import { ownerLabels } from '../labels';
import {
  DEFAULT_ARGV,
  DEFAULT_NETWORK,
  DEFAULT_NOFILE,
  DEFAULT_NPROC,
  type ContainerSpec,
} from './container-spec';

/** `kf-<task>-<attempt>-<6 hex>`: readable in `podman ps`, unique across retries. */
export function defaultContainerName(spec: Pick<ContainerSpec, 'owner'>): string {
  const task = String(spec.owner.taskId).replace(/[^a-zA-Z0-9_.-]/g, '_');
  return `kf-${task}-${spec.owner.attempt}-${randomBytes(3).toString('hex')}`;
}

/**
 * Maps a validated {@link ContainerSpec} to the body of Podman's Docker-compatible
 * `POST /containers/create`. Pure: no I/O, so every mapping rule is unit-tested.
 *
 * Rules that are not one-to-one:
 * - `Ulimits` always carries both `nofile` and `nproc`: given one, Podman fills the other
 *   with 1048576 and the start fails (ADR 0012).
 * - `MemorySwap` defaults to `Memory` (no swap), so the memory limit OOM-kills.
 * - labels: default labels, then the spec's, then the owner's (validation already
 *   refused collisions with the owner labels).
 */
export function buildCreateOptions(
  spec: ContainerSpec,
  defaultLabels: Readonly<Record<string, string>>,
): ContainerCreateOptions {
  const resources = spec.resources ?? {};
  const security = spec.security ?? {};
  const nofile = resources.nofile ?? DEFAULT_NOFILE;
  const nproc = resources.nproc ?? DEFAULT_NPROC;

  const hostConfig: HostConfig = {
    NetworkMode: spec.network ?? DEFAULT_NETWORK,
    Init: spec.init ?? true,
    Ulimits: [
      { Name: 'nofile', Soft: nofile.soft, Hard: nofile.hard },
      { Name: 'nproc', Soft: nproc.soft, Hard: nproc.hard },
    ],
  };
  if (resources.memoryBytes !== undefined) {
    hostConfig.Memory = resources.memoryBytes;
    hostConfig.MemorySwap = resources.memorySwapBytes ?? resources.memoryBytes;
  }
  if (resources.cpus !== undefined) hostConfig.NanoCpus = Math.round(resources.cpus * 1e9);
  if (resources.pidsLimit !== undefined) hostConfig.PidsLimit = resources.pidsLimit;
  if (resources.shmSizeBytes !== undefined) hostConfig.ShmSize = resources.shmSizeBytes;
  if (security.capDrop !== undefined) hostConfig.CapDrop = [...security.capDrop];
  if (security.capAdd !== undefined) hostConfig.CapAdd = [...security.capAdd];
  if (security.noNewPrivileges ?? true) hostConfig.SecurityOpt = ['no-new-privileges'];
  if (security.readOnlyRootfs !== undefined) hostConfig.ReadonlyRootfs = security.readOnlyRootfs;
  if (spec.tmpfs !== undefined) hostConfig.Tmpfs = { ...spec.tmpfs };
  if (spec.mounts !== undefined) {
    hostConfig.Mounts = spec.mounts.map((m): MountSettings => ({
      Type: 'bind',
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readOnly ?? false,
    }));
  }

  const options: ContainerCreateOptions = {
    name: spec.name ?? defaultContainerName(spec),
    Image: spec.image,
    Cmd: [...(spec.argv ?? DEFAULT_ARGV)],
    Labels: { ...defaultLabels, ...spec.labels, ...ownerLabels(spec.owner) },
    HostConfig: hostConfig,
  };
  if (spec.env !== undefined) options.Env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  if (spec.workdir !== undefined) options.WorkingDir = spec.workdir;
  if (spec.user !== undefined) options.User = spec.user;
  return options;
}
