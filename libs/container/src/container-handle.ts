/**
 * The least a method needs to find a container: its id. A {@link ContainerHandle} from
 * `create` and a {@link ContainerSummary} from `listByLabel` both are one.
 */
export interface ContainerRef {
  readonly id: string;
}

/** A container created by `ContainerManager.create`. */
export interface ContainerHandle extends ContainerRef {
  /** Full 64-hex id. */
  readonly id: string;
  readonly name: string;
  /** The image reference the container was created from. */
  readonly image: string;
  /** Every label the container carries (default, spec and owner labels). */
  readonly labels: Readonly<Record<string, string>>;
}

/** One container found by `ContainerManager.listByLabel`. */
export interface ContainerSummary extends ContainerHandle {
  /** Podman's state: `created`, `running`, `exited`, `stopping`, ... */
  readonly state: string;
  readonly createdAt: Date;
}

/** An image in local storage, as `inspectImage` and `listImagesByLabel` report it. */
export interface ImageSummary {
  /** `sha256:...` */
  id: string;
  /** `repo:tag` references; empty for a dangling image. */
  tags: string[];
  labels: Record<string, string>;
  sizeBytes: number;
  createdAt: Date;
}
