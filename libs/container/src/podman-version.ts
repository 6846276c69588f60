/** What Podman's API says about itself (`GET /version`), for logs such as hw_info.log. */
export interface PodmanVersion {
  /** Podman's version, e.g. `4.3.1`. */
  version: string;
  /** The Docker-compatible API version it serves, e.g. `1.41`. */
  apiVersion: string;
  /** The kernel of the machine Podman runs on. */
  kernelVersion: string;
  /** `linux/amd64`. */
  platform: string;
  /** Its parts (`Podman Engine`, `Conmon`, `OCI Runtime (runc)`) with their versions, one line each. */
  components: { name: string; version: string }[];
}

interface VersionReply {
  Version?: unknown;
  ApiVersion?: unknown;
  KernelVersion?: unknown;
  Os?: unknown;
  Arch?: unknown;
  Components?: unknown;
}

/** Reads the API's version reply, tolerating fields a Podman release leaves out. */
export function toPodmanVersion(reply: unknown): PodmanVersion {
  const r = (typeof reply === 'object' && reply !== null ? reply : {}) as VersionReply;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const components = Array.isArray(r.Components)
    ? r.Components.filter(
        (c): c is { Name?: unknown; Version?: unknown } => typeof c === 'object' && c !== null,
      )
        .map((c) => ({ name: text(c.Name), version: text(c.Version).split('\n')[0].trim() }))
        .filter((c) => c.name !== '')
    : [];
  return {
    version: text(r.Version),
    apiVersion: text(r.ApiVersion),
    kernelVersion: text(r.KernelVersion),
    platform: [text(r.Os), text(r.Arch)].filter((s) => s !== '').join('/'),
    components,
  };
}
