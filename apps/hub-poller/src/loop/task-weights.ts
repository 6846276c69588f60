/**
 * The weight `host.setTaskWeight` gets when a task is opened: kojid's handler weights
 * (`_taskWeight`, koji/tasks.py and builder/kojid). A buildArch handler may raise its
 * own later from the package's average build time, as kojid's does.
 */
const WEIGHTS: Readonly<Record<string, number>> = {
  build: 0.2,
  buildArch: 1.5,
  rebuildSRPM: 1.0,
  buildSRPMFromSCM: 1.0,
  newRepo: 0.1,
  createrepo: 1.5,
  distRepo: 0.1,
  createdistrepo: 1.5,
  waitrepo: 0.2,
  tagBuild: 1.0,
  tagNotification: 0.1,
  buildNotification: 0.1,
  chainbuild: 0.1,
  maven: 0.2,
  buildMaven: 1.5,
  wrapperRPM: 1.5,
  chainmaven: 0.2,
  createAppliance: 1.5,
  createLiveCD: 1.5,
  createLiveMedia: 1.5,
  createImage: 2.0,
  sleep: 0.25,
};

/** BaseTaskHandler's default. */
export const DEFAULT_TASK_WEIGHT = 1.0;

export function taskWeight(method: string): number {
  return WEIGHTS[method] ?? DEFAULT_TASK_WEIGHT;
}
