/** A file the executor copies into the container before the first command. */
export interface PlannedFile {
  content: string;
  /** Absolute path inside the container. */
  dest: string;
}

/**
 * Which network a command needs: `fetch` reaches the hub's topurl (the group install),
 * `none` needs none (the build, as mock's `rpmbuild_networking=False`). The executor
 * maps these to its configured network modes.
 */
export type CommandNetwork = 'fetch' | 'none';

/**
 * What a command is for, so the executor knows what to do with its output:
 * `list-baseline` lists what the image had installed before the group install (image
 * mode only), `list-packages` what is installed after it (to `setBuildRootList`, minus
 * the baseline), `install-requires` installs the SRPM's BuildRequires (a failure is a
 * BuildError naming what is missing), `list-requires` lists the root after them (to
 * `updateBuildRootList`).
 */
export type CommandPurpose =
  | 'prepare'
  | 'list-baseline'
  | 'install-group'
  | 'list-packages'
  | 'install-requires'
  | 'list-requires'
  | 'build';

export interface PlannedCommand {
  /** Short name used in step names and logs: `mkdir`, `install @build`, ... */
  name: string;
  purpose: CommandPurpose;
  argv: string[];
  network: CommandNetwork;
  /** The task log its output goes to. */
  log: 'root.log' | 'build.log';
}

/** Where the chosen image came from (see `chooseImage`). */
export type ImageSource = 'tag-extra' | 'tag-map' | 'default';

/**
 * A buildroot as typed data: the files to copy in, the commands to run in order, where
 * the results land. The seed's `repo_file_content`/`repo_file_dest`,
 * `macros_file_content`/`macros_file_dest`, `init_commands`, `build_command`,
 * `environment`, as one value. Made by `planBuildroot`, run by an executor handler.
 */
export interface BuildrootPlan {
  /** `clean`: the image is the bootstrap and the build runs in `root`; `image`: in the image. */
  mode: 'clean' | 'image';
  /** The build's root inside the container: `/` in image mode, `CLEAN_ROOT` in clean mode. */
  root: string;
  /** The SRPM's BuildRequires the plan installs after the group. */
  buildRequires: string[];
  image: string;
  imageSource: ImageSource;
  tag: { id: number; name: string };
  repoId: number;
  /** The arch of the buildroot (the repo arch); differs from the task arch for noarch. */
  buildrootArch: string;
  /** `--target` of the build (the task's arch). */
  targetArch: string;
  /** `<topurl>/repos/<tag>/<repo_id>/<arch>` */
  repoUrl: string;
  repoFile: PlannedFile;
  macrosFile: PlannedFile;
  /** Absolute path the SRPM is copied to inside the container (under `root`). */
  srpmDest: string;
  /** The SRPM's path as commands in the root see it (`srpmDest` without the root). */
  srpmPath: string;
  /** Environment of every command (`rpm.env.*` of the tag's extra, plus HOME). */
  environment: Record<string, string>;
  /** Working directory of every command. */
  workdir: string;
  initCommands: PlannedCommand[];
  buildCommand: PlannedCommand;
  /** Directory inside the container (under `root`) that holds the built RPMs after the build. */
  resultDir: string;
}
