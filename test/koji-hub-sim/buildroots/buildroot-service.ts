import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { BuildrootRow } from '../db/rows';
import { BR_STATES, BR_STATE_NAMES } from '../db/states';
import { ActionNotAllowed, GenericError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';
import { convertValue, isInstance } from '../python/py-convert';
import { pyDatetimeOrNull, pyRepr, pyStr } from '../python/py-format';
import type { BuildService } from '../builds/build-service';
import { parseArches } from '../tasks/make-task';

/** kojihub's `BuildRoot` (standard buildroots only) and `query_buildroots`. */
export class BuildrootService {
  private readonly externalRepos = new Map<string, number>();

  constructor(
    private readonly db: HubDb,
    private readonly builds: BuildService,
  ) {}

  load(id: KojiValue): Readonly<BuildrootRow> {
    const br = this.db.buildroots.get(convertValue(id, 'int'));
    if (!br) throw new GenericError(`no buildroot with ID: ${pyStr(id)}`);
    return br;
  }

  create(hostId: number, repo: KojiValue, arch: KojiValue, taskId: number | null): number {
    return this.db.buildroots.insert({
      id: this.db.buildroots.nextval(),
      host_id: hostId,
      repo_id: convertValue(repo, 'int'),
      task_id: taskId,
      arch: parseArches(arch),
      state: BR_STATES.INIT,
      create_event: this.db.event(),
      retire_event: null,
      listing: [],
    }).id;
  }

  assertHost(br: Readonly<BuildrootRow>, hostId: number): void {
    if (br.host_id !== hostId) throw new ActionNotAllowed(`Host ${hostId} not owner of buildroot ${br.id}`);
  }

  assertTask(br: Readonly<BuildrootRow>, taskId: number): void {
    if (br.task_id !== taskId)
      throw new ActionNotAllowed(`Task ${taskId} does not have lock on buildroot ${br.id}`);
  }

  setState(br: Readonly<BuildrootRow>, stateArg: KojiValue): void {
    const state =
      typeof stateArg === 'string'
        ? (BR_STATES as Record<string, number>)[stateArg]
        : convertValue(stateArg, 'int');
    if (state === undefined) throw new PythonError('KeyError', pyRepr(stateArg));
    if (state === BR_STATES.INIT) throw new GenericError('Cannot change buildroot state to INIT');
    if (br.state === BR_STATES.EXPIRED) {
      if (state === BR_STATES.EXPIRED) return;
      throw new GenericError(`buildroot ${br.id} is EXPIRED`);
    }
    const patch: Partial<BuildrootRow> = { state };
    if (state === BR_STATES.EXPIRED) patch.retire_event = this.db.event();
    this.db.buildroots.update(br.id, patch);
  }

  /** setList (state INIT) / updateList (state BUILDING): the RPMs installed in the buildroot. */
  setList(br: Readonly<BuildrootRow>, rpmlist: KojiValue, update: boolean): void {
    const want = update ? BR_STATES.BUILDING : BR_STATES.INIT;
    if (br.state !== want) throw new GenericError(`buildroot ${br.id} in wrong state ${br.state}`);
    const current = new Set(br.listing.map((l) => l.rpm_id));
    const added: Array<{ rpm_id: number; is_update: boolean }> = [];
    for (const entry of convertValue(rpmlist, 'list')) {
      const id = this.rpmId(entry);
      if (update && current.has(id)) continue;
      added.push({ rpm_id: id, is_update: update });
    }
    added.sort((a, b) => a.rpm_id - b.rpm_id);
    // buildroot_listing is UNIQUE (buildroot_id, rpm_id): a list set twice (a resend after
    // a lost reply, on a hub that checks no callnum) or naming an RPM twice fails the insert
    const taken = new Set(current);
    for (const { rpm_id } of added) {
      if (taken.has(rpm_id)) {
        throw new PythonError(
          'psycopg2.errors.UniqueViolation',
          'duplicate key value violates unique constraint "buildroot_listing_buildroot_id_rpm_id_key"\n' +
            `DETAIL:  Key (buildroot_id, rpm_id)=(${br.id}, ${rpm_id}) already exists.\n`,
        );
      }
      taken.add(rpm_id);
    }
    this.db.buildroots.update(br.id, { listing: [...br.listing, ...added] });
  }

  /** `get_rpm(strict=True)` or, with a `location`, `add_external_rpm`. */
  private rpmId(entry: KojiValue): number {
    if (!isInstance(entry, 'dict')) throw new GenericError(`Invalid rpm info: ${pyRepr(entry)}`);
    const d = entry as KojiStruct;
    const location = typeof d.location === 'string' ? d.location : null;
    if (location) {
      let ext = this.externalRepos.get(location);
      if (ext === undefined) this.externalRepos.set(location, (ext = this.externalRepos.size + 1));
      const hdr = {
        name: pyStr(d.name),
        version: pyStr(d.version),
        release: pyStr(d.release),
        epoch: d.epoch === null || d.epoch === undefined ? null : convertValue(d.epoch, 'int'),
        arch: pyStr(d.arch),
        buildtime: Number(d.buildtime ?? 0),
        size: Number(d.size ?? 0),
        sourcepackage: false,
        payloadhash: pyStr(d.payloadhash ?? ''),
      };
      return this.builds.addRpm(hdr, null, null, ext).id;
    }
    const found = this.db.rpms.find(
      (r) =>
        r.external_repo_id === 0 &&
        r.name === d.name &&
        r.version === d.version &&
        r.release === d.release &&
        r.arch === d.arch,
    );
    if (!found) throw new GenericError(`No such rpm: ${pyRepr(entry)}`);
    return found.id;
  }

  /** `query_buildroots` with the filters kojid uses. */
  query(f: {
    hostID?: KojiValue;
    tagID?: KojiValue;
    state?: KojiValue;
    taskID?: KojiValue;
    buildrootID?: KojiValue;
    repoID?: KojiValue;
  }): KojiStruct[] {
    const states =
      f.state === null || f.state === undefined ? null : Array.isArray(f.state) ? f.state : [f.state];
    const ids =
      f.buildrootID === null || f.buildrootID === undefined
        ? null
        : Array.isArray(f.buildrootID)
          ? f.buildrootID
          : [f.buildrootID];
    return this.db.buildroots
      .filter((b) => f.hostID == null || b.host_id === f.hostID)
      .filter((b) => states === null || states.includes(b.state))
      .filter((b) => f.taskID == null || b.task_id === f.taskID)
      .filter((b) => ids === null || ids.includes(b.id))
      .filter((b) => !f.repoID || b.repo_id === f.repoID)
      .filter((b) => f.tagID == null || this.db.repos.get(b.repo_id)?.tag_id === f.tagID)
      .map((b) => this.info(b));
  }

  info(b: Readonly<BuildrootRow>): KojiStruct {
    const repo = this.db.repos.get(b.repo_id);
    const tag = repo ? this.db.tags.get(repo.tag_id) : undefined;
    const ct = this.db.eventTime(b.create_event);
    const rt = this.db.eventTime(b.retire_event);
    const rct = repo ? this.db.eventTime(repo.create_event) : null;
    return {
      id: b.id,
      br_type: 0,
      cg_id: null,
      cg_name: null,
      cg_version: null,
      container_arch: b.arch,
      arch: b.arch,
      container_type: 'chroot',
      host_os: null,
      host_arch: null,
      extra: null,
      state: b.state,
      task_id: b.task_id,
      host_id: b.host_id,
      host_name: this.db.hosts.get(b.host_id)?.name ?? null,
      repo_id: b.repo_id,
      repo_state: repo?.state ?? null,
      tag_id: tag?.id ?? null,
      tag_name: tag?.name ?? null,
      create_event_id: b.create_event,
      create_event_time: pyDatetimeOrNull(ct),
      create_ts: ct,
      retire_event_id: b.retire_event,
      retire_event_time: pyDatetimeOrNull(rt),
      retire_ts: rt,
      repo_create_event_id: repo?.create_event ?? null,
      repo_create_event_time: pyDatetimeOrNull(rct),
    };
  }

  stateName(state: number): string {
    return BR_STATE_NAMES[state];
  }
}
