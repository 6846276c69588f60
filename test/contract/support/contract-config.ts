/**
 * Which hub the contract tests drive. The only place that reads the environment:
 * with KOJI_TEST_HUB_URL (and the rest) set, the tests run against that real hub;
 * otherwise each test starts an in-process simulator.
 */
export interface RealHubConfig {
  kind: 'real';
  hubUrl: string;
  topUrl: string;
  hostUser: string;
  hostPassword: string;
  adminUser: string;
  adminPassword: string;
  tag: string;
  /** The hub's RunInterval (hub.conf, seconds): how long a check-in may wait for the scheduler. */
  runIntervalS: number;
}

/** The Koji default of RunInterval, used when KOJI_TEST_RUN_INTERVAL is not set. */
const KOJI_DEFAULT_RUN_INTERVAL_S = 60;

export type ContractHubConfig = { kind: 'sim' } | RealHubConfig;

export function readContractHubConfig(env: NodeJS.ProcessEnv = process.env): ContractHubConfig {
  const hubUrl = env.KOJI_TEST_HUB_URL;
  if (!hubUrl) return { kind: 'sim' };
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`KOJI_TEST_HUB_URL is set, so ${name} must be set too`);
    return value;
  };
  return {
    kind: 'real',
    hubUrl,
    topUrl: need('KOJI_TEST_TOPURL'),
    hostUser: need('KOJI_TEST_HOST_USER'),
    hostPassword: need('KOJI_TEST_HOST_PASSWORD'),
    adminUser: need('KOJI_TEST_ADMIN_USER'),
    adminPassword: need('KOJI_TEST_ADMIN_PASSWORD'),
    tag: need('KOJI_TEST_TAG'),
    runIntervalS:
      seconds(env.KOJI_TEST_RUN_INTERVAL, 'KOJI_TEST_RUN_INTERVAL') ?? KOJI_DEFAULT_RUN_INTERVAL_S,
  };
}

function seconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number of seconds > 0, got ${value}`);
  return n;
}

/** Read once for the whole run. */
export const CONTRACT_HUB: ContractHubConfig = readContractHubConfig();
