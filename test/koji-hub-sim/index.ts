/** The Koji hub simulator (see README.md). */
export { HubSimulator, type HubSimulatorOptions } from './hub-simulator';
export { HubAdmin, type AddHostInput, type MakeTaskInput } from './admin/hub-admin';
export { FaultInjector, type Malformation, type RuleOptions } from './faults/fault-injector';
export { DEFAULT_HUB_OPTIONS, type HubOptions } from './hub-options';
export { seedHub, buildFixtures, type SeedOptions, type SeedResult } from './seed/seed-hub';
export { TRUSTED_CN_HEADER, TRUSTED_USER_HEADER } from './http/environ';
export { TASK_STATES, BR_STATES, REPO_STATES, BUILD_STATES } from './db/states';
