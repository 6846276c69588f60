import { existsSync, mkdirSync, renameSync, symlinkSync, copyFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { BuildRow, RpmRow } from '../db/rows';
import { BUILD_STATES, BUILD_STATE_NAMES } from '../db/states';
import { GenericError, TagError } from '../errors/koji-errors';
import type { KojiDir } from '../kojidir';
import { convertValue, isInstance } from '../python/py-convert';
import { pyRepr, pyStr } from '../python/py-format';
import type { TagService } from '../catalog/tag-service';
import { buildInfo, rpmInfo } from './build-info';
import { readRpmHeader, type RpmHeaderInfo } from './rpm-header';

/** Builds and their RPMs: new_build, import_build, _tag_build and the lookups. */
export class BuildService {
  constructor(
    private readonly db: HubDb,
    private readonly dir: KojiDir,
    private readonly tags: TagService,
  ) {}

  /** `find_build_id`: an id, an N-V-R string or a dict. */
  findBuild(info: KojiValue): Readonly<BuildRow> | undefined {
    if (typeof info === 'number') return this.db.builds.get(info);
    let nvr: { name: string; version: string; release: string } | undefined;
    if (typeof info === 'string') {
      const m = /^(.+)-([^-]+)-([^-]+)$/.exec(info);
      if (!m) throw new GenericError(`invalid format: ${info}`);
      nvr = { name: m[1], version: m[2], release: m[3] };
    } else if (isInstance(info, 'dict')) {
      const d = info as KojiStruct;
      if ('id' in d && d.id !== null) return this.db.builds.get(convertValue(d.id, 'int'));
      nvr = { name: pyStr(d.name), version: pyStr(d.version), release: pyStr(d.release) };
    } else {
      throw new GenericError(`Invalid type for buildInfo: ${typeof info}`);
    }
    const pkg = this.db.packages.find((p) => p.name === nvr.name);
    return (
      pkg &&
      this.db.builds.find(
        (b) => b.pkg_id === pkg.id && b.version === nvr.version && b.release === nvr.release,
      )
    );
  }

  getBuild(info: KojiValue, strict = false): KojiStruct | null {
    const b = this.findBuild(info);
    if (!b) {
      if (strict) throw new GenericError(`No such build: ${pyStr(info)}`);
      return null;
    }
    return buildInfo(this.db, b);
  }

  packageId(name: string): number {
    const found = this.db.packages.find((p) => p.name === name);
    return found ? found.id : this.db.packages.insert({ id: this.db.packages.nextval(), name }).id;
  }

  /** `new_build` with the host's initBuild data (state BUILDING). */
  newBuild(data: KojiStruct, owner: number, state: number): number {
    const name = data.name;
    if (typeof name !== 'string' || !name) throw new GenericError('No name or package id provided for build');
    for (const f of ['version', 'release', 'epoch'])
      if (!(f in data)) throw new GenericError(`No ${f} value for build`);
    const row: Omit<BuildRow, 'id'> = {
      pkg_id: this.packageId(name),
      version: pyStr(data.version),
      release: pyStr(data.release),
      epoch: data.epoch === null ? null : convertValue(data.epoch, 'int'),
      state,
      task_id: data.task_id === undefined || data.task_id === null ? null : convertValue(data.task_id, 'int'),
      owner,
      create_event: this.db.event(),
      start_time: this.db.now(),
      completion_time: state === BUILD_STATES.BUILDING ? null : this.db.now(),
      source: typeof data.source === 'string' ? data.source : null,
      extra: isInstance(data.extra ?? null, 'dict') ? (data.extra as KojiStruct) : null,
      draft: false,
    };
    const old = this.findBuild({ name, version: row.version, release: row.release });
    if (old) {
      // recycle_build: the controlling task calling initBuild again gets its build back
      if (old.state === BUILD_STATES.BUILDING) {
        if (state === old.state && row.task_id === old.task_id) return old.id;
        throw new GenericError(`Build already in progress (task ${pyStr(old.task_id)})`);
      }
      const recyclable = [BUILD_STATES.FAILED, BUILD_STATES.CANCELED] as number[];
      if (!recyclable.includes(old.state)) {
        throw new GenericError(
          `Build already exists (id=${old.id}, state=${BUILD_STATE_NAMES[old.state]}): ${pyRepr(data)}`,
        );
      }
      this.db.builds.update(old.id, row);
      return old.id;
    }
    return this.db.builds.insert({ id: this.db.builds.nextval(), ...row }).id;
  }

  /** `import_build`: completes `buildId` from uploaded files under work/ and moves them into packages/. */
  importBuild(
    srpm: string,
    rpms: string[],
    brmap: KojiStruct,
    taskId: number | null,
    buildId: number,
    logs: KojiStruct | null,
  ): KojiStruct {
    const work = this.dir.work();
    for (const rel of [srpm, ...rpms]) {
      if (!existsSync(join(work, rel))) throw new GenericError(`No such file: ${join(work, rel)}`);
    }
    const hdr = readRpmHeader(join(work, srpm));
    if (!hdr.sourcepackage) throw new GenericError(`not a source package: ${join(work, srpm)}`);
    const b = this.db.builds.get(buildId);
    if (!b) throw new GenericError(`No such build: ${buildId}`);
    const binfo = buildInfo(this.db, b);
    const mine: KojiStruct = {
      name: hdr.name,
      version: hdr.version,
      release: hdr.release,
      epoch: hdr.epoch,
      task_id: taskId,
    };
    for (const key of ['name', 'version', 'release', 'epoch', 'task_id']) {
      if (mine[key] !== binfo[key]) {
        throw new GenericError(
          `Unable to complete build: ${key} mismatch (build: ${pyStr(binfo[key])}, rpm: ${pyStr(mine[key])})`,
        );
      }
    }
    if (b.state !== BUILD_STATES.BUILDING) {
      throw new GenericError(`Unable to complete build: state is ${BUILD_STATE_NAMES[b.state]}`);
    }
    this.db.builds.update(buildId, { state: BUILD_STATES.COMPLETE, completion_time: this.db.now() });
    for (const rel of [srpm, ...rpms]) {
      const br = brmap[rel];
      this.importRpmFile(join(work, rel), buildId, typeof br === 'number' ? br : null, true);
    }
    const builddir = join(
      this.dir.topdir,
      this.dir.buildRelPath({ name: hdr.name, version: hdr.version, release: hdr.release }),
    );
    for (const [key, files] of Object.entries(logs ?? {})) {
      if (!Array.isArray(files)) continue;
      const logdir = key ? join(builddir, 'data/logs', key) : join(builddir, 'data/logs');
      for (const rel of files) moveAndSymlink(join(work, pyStr(rel)), join(logdir, basename(pyStr(rel))));
    }
    return buildInfo(this.db, this.db.builds.get(buildId)!);
  }

  /** Imports one RPM file of a build: an rpminfo row and the file under packages/. */
  importRpmFile(path: string, buildId: number, buildrootId: number | null, move: boolean): Readonly<RpmRow> {
    const hdr = readRpmHeader(path);
    const build = this.db.builds.get(buildId)!;
    const name = this.db.packages.get(build.pkg_id)!.name;
    const dest = join(
      this.dir.topdir,
      this.dir.buildRelPath({ name, version: build.version, release: build.release }),
      this.dir.rpmRelPath(hdr),
    );
    if (move) moveAndSymlink(path, dest);
    else {
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(path, dest);
    }
    return this.addRpm(hdr, buildId, buildrootId);
  }

  addRpm(
    hdr: RpmHeaderInfo,
    buildId: number | null,
    buildrootId: number | null,
    externalRepoId = 0,
  ): Readonly<RpmRow> {
    const existing = this.db.rpms.find(
      (r) =>
        r.name === hdr.name &&
        r.version === hdr.version &&
        r.release === hdr.release &&
        r.arch === hdr.arch &&
        r.external_repo_id === externalRepoId,
    );
    if (existing) {
      if (externalRepoId !== 0) return existing;
      throw new GenericError(`Rpm already exists: ${hdr.name}-${hdr.version}-${hdr.release}.${hdr.arch}`);
    }
    return this.db.rpms.insert({
      id: this.db.rpms.nextval(),
      build_id: buildId,
      buildroot_id: buildrootId,
      name: hdr.name,
      version: hdr.version,
      release: hdr.release,
      epoch: hdr.epoch,
      arch: hdr.arch,
      payloadhash: hdr.payloadhash,
      size: hdr.size,
      buildtime: hdr.buildtime,
      external_repo_id: externalRepoId,
      metadata_only: false,
      extra: null,
      draft: false,
    });
  }

  /** `_tag_build` after the package-list check of host.tagBuild. */
  tagBuild(tagInfo: KojiValue, buildInfoArg: KojiValue, owner: number): void {
    const b = this.findBuild(buildInfoArg);
    if (!b) throw new GenericError(`No such build: ${pyStr(buildInfoArg)}`);
    const tag = this.tags.tagRow(tagInfo);
    const nvr = `${this.db.packages.get(b.pkg_id)!.name}-${b.version}-${b.release}`;
    const listed = this.tags
      .lineage(tag.id)
      .map((id) => this.db.tags.get(id)!.packages[b.pkg_id])
      .find((v) => v !== undefined);
    if (listed === undefined)
      throw new TagError(`Package ${this.db.packages.get(b.pkg_id)!.name} not in list for ${tag.name}`);
    if (listed) throw new TagError(`Package ${this.db.packages.get(b.pkg_id)!.name} blocked in ${tag.name}`);
    if (b.state !== BUILD_STATES.COMPLETE)
      throw new TagError(`build ${nvr} not complete: state ${BUILD_STATE_NAMES[b.state]}`);
    if (this.db.tagListing.find((l) => l.tag_id === tag.id && l.build_id === b.id)) {
      throw new TagError(`build ${nvr} already tagged (${tag.name})`);
    }
    this.db.tagListing.insert({
      id: this.db.tagListing.nextval(),
      tag_id: tag.id,
      build_id: b.id,
      create_event: this.db.event(),
      owner,
    });
  }

  /** `readTaggedBuilds`: newest tagging first; `latest` keeps one build per package. */
  taggedBuilds(tagId: number, inherit: boolean, latest: boolean): KojiStruct[] {
    const out: KojiStruct[] = [];
    const seenPkg = new Set<number>();
    const seenBuild = new Set<number>();
    for (const id of inherit ? this.tags.lineage(tagId) : [tagId]) {
      const tag = this.db.tags.get(id)!;
      const listing = this.db.tagListing
        .filter((l) => l.tag_id === id)
        .sort((a, b) => b.create_event - a.create_event || b.id - a.id);
      for (const l of listing) {
        const b = this.db.builds.get(l.build_id)!;
        if (b.state !== BUILD_STATES.COMPLETE || seenBuild.has(b.id)) continue;
        if (latest && seenPkg.has(b.pkg_id)) continue;
        seenPkg.add(b.pkg_id);
        seenBuild.add(b.id);
        out.push({
          tag_id: tag.id,
          tag_name: tag.name,
          ...buildInfo(this.db, b),
          create_event: l.create_event,
        });
      }
    }
    return out;
  }

  listRpms(filter: {
    buildID?: number | null;
    buildrootID?: number | null;
    arches?: string[] | null;
  }): KojiStruct[] {
    return this.db.rpms
      .filter((r) => filter.buildID == null || r.build_id === filter.buildID)
      .filter(
        (r) =>
          filter.buildrootID == null ||
          this.db.buildroots.get(filter.buildrootID)?.listing.some((l) => l.rpm_id === r.id) === true,
      )
      .filter((r) => !filter.arches || filter.arches.includes(r.arch))
      .map((r) => rpmInfo(this.db, r));
  }
}

/** koji's `move_and_symlink`: move into place, leave a relative symlink behind. */
export function moveAndSymlink(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  renameSync(src, dest);
  symlinkSync(relative(dirname(src), dest), src);
}
