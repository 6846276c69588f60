import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { type BuildrootPlan, type BuildrootRpm, CLEAN_ROOT } from '@koji-farm/buildroot';
import { type ContainerHandle, ContainerManager, type ImageSummary } from '@koji-farm/container';
import { type LoggerLike } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../config/executor.config';
import { EXECUTOR_LOGGER } from '../executor-logger';
import { type StepRunner } from '../steps/step-runner';
import { type TaskContext } from '../tasks/handler/task-context';

/** The label naming what a snapshot holds; an image without it under our tag is never used. */
export const SNAPSHOT_KEY_LABEL = 'io.koji-farm.snapshot-key';
/** Set by the commit itself, so a snapshot image carries it only when the commit completed. */
export const SNAPSHOT_COMPLETE_LABEL = 'io.koji-farm.snapshot-complete';
/** Bumped when what a snapshot holds changes for the same inputs. */
const SNAPSHOT_FORMAT = 2; // 2: the build directories are made before the commit

export type SnapshotOutcome = 'hit' | 'miss' | 'off';

/** What the cache found for a plan: the image to start from on a hit. */
export interface SnapshotLookup {
  outcome: SnapshotOutcome;
  key?: string;
  /** The snapshot image's id, on a hit. */
  imageId?: string;
  /** `repo:tag` of the snapshot: the image of a hit, the commit target of a miss. */
  ref?: string;
}

/** What `use` decided for one task's root. */
export interface SnapshotUse {
  lookup: SnapshotLookup;
  /** The plan to run: without the group install on a hit (and its list when `groupRpms` is known). */
  plan: BuildrootPlan;
  /** On a hit: the root's packages as listed before the snapshot's commit, when this machine recorded them. */
  groupRpms?: BuildrootRpm[];
  /** On a miss: the hook that commits the root (whose packages are `rpms`) after its group install. */
  afterGroup?: (container: ContainerHandle) => (rpms: readonly BuildrootRpm[]) => Promise<void>;
}

/**
 * Buildroot snapshots (issue 11, ADR 0080): after the group install a clean root is
 * committed as a local image keyed by what decides its content (bootstrap image id, repo
 * id, arch, group command, repo and macros files). The next task with the same key starts
 * its container from it and installs only its BuildRequires. A regenerated repo has a new
 * id, so a new key. Least recently used snapshots beyond the count or size budget are
 * removed after each commit; last use is the mtime of a file per key under WORK_DIR.
 */
@Injectable()
export class SnapshotCache {
  private readonly logger: LoggerLike;
  private readonly stateDir: string;
  private readonly listDir: string;

  constructor(
    @Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig,
    @Inject(ContainerManager) private readonly containers: ContainerManager,
    @Inject(EXECUTOR_LOGGER) logger: LoggerLike,
  ) {
    this.stateDir = join(config.workDir, 'snapshots');
    this.listDir = join(config.workDir, 'snapshot-lists');
    this.logger = logger.child({ component: 'snapshots' });
  }

  /** The key of a clean plan's root after its group install, made from `bootstrapImageId`. */
  static key(plan: BuildrootPlan, bootstrapImageId: string): string {
    const group = plan.initCommands.find((c) => c.purpose === 'install-group');
    const input = JSON.stringify({
      format: SNAPSHOT_FORMAT,
      root: CLEAN_ROOT,
      image: bootstrapImageId,
      repoId: plan.repoId,
      arch: plan.buildrootArch,
      group: group?.argv ?? null,
      repoFile: plan.repoFile,
      macrosFile: plan.macrosFile,
      environment: plan.environment,
    });
    return createHash('sha256').update(input).digest('hex');
  }

  /**
   * How a task's root starts: on a hit from the snapshot (the plan without its group
   * install, the snapshot as its image), on a miss from scratch with `afterGroup`
   * committing the root once the group is in. Says which in root.log. A failed commit is
   * noted and costs the task nothing.
   */
  async use(
    ctx: TaskContext,
    plan: BuildrootPlan,
    bootstrapImageId: string,
    brootId: number,
  ): Promise<SnapshotUse> {
    const lookup = await this.lookup(plan, bootstrapImageId);
    if (lookup.outcome !== 'off' && lookup.ref)
      ctx.events.emit({ type: 'buildroot.snapshot', brootId, outcome: lookup.outcome, ref: lookup.ref });
    if (lookup.outcome === 'hit' && lookup.ref) {
      const groupRpms = await this.readList(lookup.imageId!);
      await ctx.logs.note(
        'root.log',
        `snapshot hit: the root starts from ${lookup.ref} (group already installed` +
          (groupRpms ? `, its ${groupRpms.length} packages as listed before its commit)` : ')'),
      );
      return {
        lookup,
        groupRpms,
        plan: SnapshotCache.fromSnapshot(plan, lookup.ref, groupRpms !== undefined),
      };
    }
    if (lookup.outcome === 'off') return { lookup, plan };
    await ctx.logs.note(
      'root.log',
      `snapshot miss: the root is kept as ${lookup.ref} after the group install`,
    );
    return {
      lookup,
      plan,
      afterGroup: (container) => async (rpms) => {
        const started = Date.now();
        try {
          const id = await this.save(container, lookup, ctx.steps);
          await this.writeList(id, rpms);
          await ctx.logs.note(
            'root.log',
            `snapshot ${lookup.ref} committed (${id.slice(7, 19)}) in ${Date.now() - started} ms`,
          );
        } catch (err) {
          ctx.logger.warn({ err, ref: lookup.ref }, 'could not commit a buildroot snapshot');
          await ctx.logs.note(
            'root.log',
            `snapshot ${lookup.ref} not committed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      },
    };
  }

  /**
   * The plan of a root started from a snapshot: without what the snapshot holds already,
   * the group install and the build directories (made before the commit), and its
   * package list when `listKnown` (recorded at the commit: the image cannot change).
   */
  static fromSnapshot(plan: BuildrootPlan, ref: string, listKnown = false): BuildrootPlan {
    const held = new Set<string>(['install-group', 'prepare', ...(listKnown ? ['list-packages'] : [])]);
    return {
      ...plan,
      image: ref,
      initCommands: plan.initCommands.filter((c) => !held.has(c.purpose)),
    };
  }

  async lookup(plan: BuildrootPlan, bootstrapImageId: string): Promise<SnapshotLookup> {
    const snapshots = this.config.snapshots;
    if (!snapshots.enabled || plan.mode !== 'clean') return { outcome: 'off' };
    const key = SnapshotCache.key(plan, bootstrapImageId);
    const ref = `${snapshots.repo}:${key.slice(0, 24)}`;
    const image = await this.containers.inspectImage(ref);
    if (
      image &&
      image.labels[SNAPSHOT_KEY_LABEL] === key &&
      image.labels[SNAPSHOT_COMPLETE_LABEL] === 'true'
    ) {
      await this.touch(key);
      return { outcome: 'hit', key, ref, imageId: image.id };
    }
    return { outcome: 'miss', key, ref };
  }

  /**
   * Commits `container` (its group install done, nothing running in it) as the snapshot
   * of `lookup`. Two executors committing one key at once: the last tag wins, the other
   * image is left untagged and removed here. Then prunes to the budget. The commit is a
   * step of the task (`commit snapshot`) when `steps` is given.
   */
  async save(container: ContainerHandle, lookup: SnapshotLookup, steps?: StepRunner): Promise<string> {
    if (lookup.outcome !== 'miss' || !lookup.key || !lookup.ref) throw new Error('save needs a miss');
    const [repo, tag] = splitRef(lookup.ref);
    const target = {
      repo,
      tag,
      labels: { [SNAPSHOT_KEY_LABEL]: lookup.key, [SNAPSHOT_COMPLETE_LABEL]: 'true' },
    };
    const id = steps
      ? await steps.commit(container, target)
      : await this.containers.commit(container, target);
    await this.touch(lookup.key);
    await this.prune();
    return id;
  }

  /**
   * Removes untagged snapshot images (losers of a race, replaced ones) and then the least
   * recently used ones until at most `maxCount` remain within `maxBytes`. An image a
   * container still uses stays (Podman refuses), to go at a later prune.
   */
  async prune(): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    try {
      const images = await this.containers.listImagesByLabel({ [SNAPSHOT_KEY_LABEL]: true });
      const ours = images.filter((i) => i.tags.some((t) => t.startsWith(`${this.config.snapshots.repo}:`)));
      for (const image of images.filter((i) => i.tags.length === 0)) {
        if (await this.containers.removeImage(image.id)) removed.push(image.id);
      }
      for (const id of removed) await rm(this.listFile(id), { force: true });
      const lastUse = await this.lastUse();
      const byRecency = [...ours].sort((a, b) => used(b, lastUse) - used(a, lastUse));
      let count = 0;
      let bytes = 0;
      for (const image of byRecency) {
        count += 1;
        bytes += image.sizeBytes;
        if (count <= this.config.snapshots.maxCount && bytes <= this.config.snapshots.maxBytes) continue;
        if (await this.containers.removeImage(image.id)) {
          removed.push(image.id);
          await rm(this.listFile(image.id), { force: true });
        }
      }
    } catch (err) {
      this.logger.warn({ err }, 'snapshot prune failed');
    }
    return { removed };
  }

  private listFile(imageId: string): string {
    return join(this.listDir, `${imageId.replace(/^sha256:/, '')}.json`);
  }

  /**
   * Records the package list of the snapshot image `imageId` (its root, listed just
   * before the commit), so that a hit can tell the hub without listing it again. Written
   * whole or not at all (rename); a failure only costs the next hit a list.
   */
  private async writeList(imageId: string, rpms: readonly BuildrootRpm[]): Promise<void> {
    try {
      await mkdir(this.listDir, { recursive: true });
      const file = this.listFile(imageId);
      await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(rpms));
      await rename(`${file}.${process.pid}.tmp`, file);
    } catch (err) {
      this.logger.warn({ err, imageId }, 'could not record the package list of a snapshot');
    }
  }

  /** The recorded package list of snapshot image `imageId`, or undefined (none here, unreadable). */
  private async readList(imageId: string): Promise<BuildrootRpm[] | undefined> {
    try {
      const rpms: unknown = JSON.parse(await readFile(this.listFile(imageId), 'utf8'));
      return Array.isArray(rpms) && rpms.every(isBuildrootRpm) ? rpms : undefined;
    } catch {
      return undefined;
    }
  }

  private async touch(key: string): Promise<void> {
    try {
      await mkdir(this.stateDir, { recursive: true });
      const file = join(this.stateDir, key);
      const now = new Date();
      await writeFile(file, '', { flag: 'a' });
      await utimes(file, now, now);
    } catch (err) {
      this.logger.warn({ err, key }, 'could not record the use of a snapshot');
    }
  }

  private async lastUse(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const names = await readdir(this.stateDir).catch(() => [] as string[]);
    for (const name of names) {
      const info = await stat(join(this.stateDir, name)).catch(() => undefined);
      if (info) out.set(name, info.mtimeMs);
    }
    return out;
  }
}

function isBuildrootRpm(value: unknown): value is BuildrootRpm {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    ['name', 'version', 'release', 'arch', 'payloadhash'].every((k) => typeof r[k] === 'string') &&
    ['size', 'buildtime'].every((k) => typeof r[k] === 'number') &&
    (r.epoch === null || typeof r.epoch === 'number')
  );
}

function used(image: ImageSummary, lastUse: Map<string, number>): number {
  return lastUse.get(image.labels[SNAPSHOT_KEY_LABEL] ?? '') ?? image.createdAt.getTime();
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return [ref.slice(0, at), ref.slice(at + 1)];
}
