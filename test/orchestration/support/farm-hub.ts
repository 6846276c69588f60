import { join } from 'node:path';
import { KojiClient, type KojiValue } from '@koji-farm/koji';
import { CONTRACT_HUB } from '../../contract/support/contract-config';
import { HubWorld, RUN_CHANNEL, uniqueName } from '../../contract/support/hub-world';
import { buildFixtures, HubSimulator, seedHub, type SeedOptions } from '../../koji-hub-sim';

/** What a test builds with: a target, its tags, the sample SRPMs (work/-relative) and their local copies. */
export interface FarmWorld {
  buildTag: string;
  destTag: string;
  target: string;
  srpms: { hello: string; broken: string };
  fixturesDir: string;
  /** The build tag's READY repo when the test starts (null on a real hub: a new tag has none yet). */
  repoId: number | null;
  /** The channel of the test's tasks: the simulator's `default`, or this run's own on a real hub. */
  channel: string;
}

export interface FarmHub {
  url: string;
  topurl: string;
  host: { user: string; password: string };
  admin: { user: string; password: string };
  sim?: HubSimulator;
  world: FarmWorld;
  /** The newest task id before the test: the test's tasks come after. */
  baseline: number;
  stop(): Promise<void>;
}

/** Arches of the build tag (e.g. 'x86_64 i686') and those the test host needs (e.g. 'x86_64 i386'). */
export interface FarmArches {
  tag: string;
  host: string;
}

/**
 * Gives the real hub's test host the arches a test needs (`koji edit-host --arches`);
 * returns the ones it had, which the test's stop gives back.
 */
async function hostArches(admin: KojiClient, host: string, arches: string): Promise<string> {
  const info = await admin.call<{ arches: string } | null>('getHost', [host]);
  if (!info) throw new Error(`the hub has no host ${host}`);
  await admin.call('editHost', [host], { arches });
  return info.arches;
}

/** True when the tests run against a real hub (KOJI_TEST_* set, as for the contract tests). */
export const REAL_HUB = CONTRACT_HUB.kind === 'real';

/** A unique release for a test package, so that a real hub (which keeps every build) never sees an N-V-R twice. */
export function uniqueRelease(n: number): string {
  return REAL_HUB ? `${n}.${uniqueName('r').replace(/[^A-Za-z0-9]/g, '')}` : String(n);
}

/**
 * The hub of an orchestration test: a seeded simulator in `dir`, or the configured real
 * hub (KOJI_TEST_*), where the test makes a world of its own with unique names, through
 * the admin's XML-RPC: a destination tag inheriting KOJI_TEST_TAG (its groups and
 * external repos) and listing the test packages, a build tag inheriting the destination
 * tag (as f40-build inherits f40) with KOJI_TEST_TAG's arches, a target; the
 * host is put in this run's channel, and the test's unfinished tasks are canceled at stop.
 */
export async function startFarmHub(
  dir: string,
  options: {
    seed?: SeedOptions;
    runIntervalMs?: number;
    buildTagExtra?: Record<string, KojiValue>;
    arches?: FarmArches;
  },
): Promise<FarmHub> {
  const config = CONTRACT_HUB;
  if (config.kind !== 'real') {
    const sim = await HubSimulator.start({
      dir: join(dir, 'hub'),
      runIntervalMs: options.runIntervalMs ?? 200,
    });
    const seed = await seedHub(sim, {
      distribution: 'markers',
      ...options.seed,
      ...(options.arches && {
        arches: options.arches.tag,
        host: { name: 'kf-builder', password: 'kf-builder', arches: options.arches.host },
      }),
      extra: { ...options.buildTagExtra, ...options.seed?.extra },
    });
    return {
      url: sim.url,
      topurl: sim.topurl,
      host: { user: 'kf-builder', password: 'kf-builder' },
      admin: { user: 'kojiadmin', password: 'kojiadmin' },
      sim,
      world: { ...seed, repoId: seed.repoId, channel: 'default' },
      baseline: 0,
      stop: () => sim.stop(),
    };
  }
  const admin = KojiClient.create({
    hubUrl: config.hubUrl,
    topUrl: config.topUrl,
    retry: { maxRetries: 3, intervalMs: 1000 },
  });
  await admin.login(config.adminUser, config.adminPassword);
  const world = new HubWorld(() => Promise.resolve(admin), config.adminUser, config.hostUser);
  await world.prepareHost(['default', 'createrepo', RUN_CHANNEL]);
  const baseline = await world.lastTaskId();
  const parent = await admin.call<{ arches: string | null }>('getBuildConfig', [config.tag]);
  const restoreHost = options.arches ? await hostArches(admin, config.hostUser, options.arches.host) : null;
  // As a Koji build tag inherits its target's destination (f40-build from f40): what a
  // build tags there is in the build tag's next repo, which a chain build waits for.
  const destTag = await world.makeTag({ parent: config.tag, arches: null });
  const buildTag = await world.makeTag({
    parent: destTag,
    arches: options.arches?.tag ?? parent.arches,
    extra: options.buildTagExtra,
  });
  for (const pkg of ['kf-hello', 'kf-broken']) await world.addPackage(destTag, pkg);
  const target = await world.makeTarget(buildTag, destTag);
  const fixturesDir = await buildFixtures();
  return {
    url: config.hubUrl,
    topurl: config.topUrl,
    host: { user: config.hostUser, password: config.hostPassword },
    admin: { user: config.adminUser, password: config.adminPassword },
    world: {
      buildTag,
      destTag,
      target,
      // uploaded by the farm once its user is logged in
      srpms: { hello: '', broken: '' },
      fixturesDir,
      repoId: null,
      channel: RUN_CHANNEL,
    },
    baseline,
    stop: async () => {
      await world.cancelTasksAfter(baseline).catch(() => undefined);
      if (restoreHost !== null)
        await admin.call('editHost', [config.hostUser], { arches: restoreHost }).catch(() => undefined);
      await admin.logout().catch(() => undefined);
      await admin.close();
    },
  };
}
