import { type ImagePolicy } from './image-policy';

/** What `getBuildConfig(tag, event)` returns: the tag with inherited `arches` and `extra`. */
export interface BuildConfigFacts {
  id: number;
  name: string;
  /** Space-separated arch list of the tag (inherited), or null when the tag has none. */
  arches?: string | null;
  /** The tag's `extra`, already merged along the inheritance chain by the hub. */
  extra?: Readonly<Record<string, unknown>> | null;
}

/** What `repoInfo(repo_id)` returns (the fields a buildroot needs). */
export interface RepoFacts {
  id: number;
  tag_id: number;
  tag_name?: string;
  /** Repo state number: INIT 0, READY 1, EXPIRED 2, DELETED 3, PROBLEM 4. */
  state: number;
  create_event?: number | null;
}

/**
 * `clean`: the image is only the bootstrap that installs the group and the
 * BuildRequires into a root of their own (`CLEAN_ROOT`), and the build runs in that root
 * (mock's way; ADR 0079). `image`: the build runs in the image itself, for tags whose
 * image is already a complete buildroot (mock's `bootstrap_image_ready`).
 */
export type BuildrootMode = 'clean' | 'image';

/** The tag `extra` key that picks the buildroot mode of a tag (`clean` or `image`). */
export const BUILDROOT_MODE_EXTRA_KEY = 'koji-farm.buildroot';

/** The build host's own settings that kojid puts into every buildroot (kojid.conf). */
export interface HostBuildSettings {
  vendor: string;
  packager: string;
  distribution: string;
  /** The second half of `%_host` (`<arch>-<mockhost>`). */
  mockhost: string;
}

export const DEFAULT_HOST_BUILD_SETTINGS: HostBuildSettings = {
  vendor: 'Koji',
  packager: 'Koji',
  distribution: 'Koji',
  mockhost: 'koji-linux-gnu',
};

/**
 * Everything a buildroot plan is made from: the task's hub facts and the executor's
 * settings. Pure data; the executor fetches it from the hub and its config.
 */
export interface BuildrootFacts {
  /** The Koji method the buildroot is for (`buildArch`, ...); image rules may match it. */
  method: string;
  /** The task's arch (`x86_64`, `noarch`, ...). */
  arch: string;
  buildConfig: BuildConfigFacts;
  repo: RepoFacts;
  /** The hub's file URL (`<topurl>/repos/...`, `<topurl>/work/...`). */
  topurl: string;
  /** The comps group to install: `build` for binary builds, `srpm-build` for SRPM tasks. */
  group: string;
  /** File name (no directory) of the SRPM the build starts from. */
  srpmFileName: string;
  /**
   * Arches this executor's containers run natively; a noarch task is built in the first
   * of the tag's arches found here (kojid's `find_arch`).
   */
  hostArches: readonly string[];
  host?: Partial<HostBuildSettings>;
  image: ImagePolicy;
  /** The executor's mode (default `clean`); the tag's `extra['koji-farm.buildroot']` wins. */
  mode?: BuildrootMode;
  /**
   * What to install after the group (the SRPM's BuildRequires, as dnf takes them);
   * empty for SRPM tasks, which build with `--nodeps` as kojid's do.
   */
  buildRequires?: readonly string[];
}
