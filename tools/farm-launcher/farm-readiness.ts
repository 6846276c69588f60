import { setTimeout as delay } from 'node:timers/promises';
import { FarmNotReadyError, ProcessExitedError } from './errors';
import { type ManagedProcess } from './managed-process';

interface StatusReply {
  hub: { connected: boolean } | null;
  poller: { leader: string | null };
}

interface ExecutorReply {
  id: string;
  state: string;
}

const POLL_MS = 250;

/**
 * Resolves once the monitor sees every executor alive and a leading poller connected to
 * the hub, and the leader counts every executor's slots (it takes work only for those):
 * the farm then takes work. These are separate processes with no event to await from
 * here, so the monitor's REST status and the pollers' /metrics are asked a few times a second.
 */
export async function waitForFarmReady(
  monitorUrl: string,
  options: {
    executorIds: readonly string[];
    pollerUrls: readonly string[];
    processes: readonly ManagedProcess[];
    timeoutMs: number;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let missing = 'the monitor answering';
  for (;;) {
    const dead = options.processes.find((p) => !p.running);
    if (dead) throw new ProcessExitedError(dead.name, 'the farm was ready', dead.tail());
    missing = await whatIsMissing(monitorUrl, options.executorIds, options.pollerUrls).catch(
      (err: Error) => `the monitor answering (${err.message})`,
    );
    if (missing === '') return;
    if (Date.now() > deadline)
      throw new FarmNotReadyError(
        `the farm was not ready after ${Math.round(options.timeoutMs / 1000)} s: waiting for ${missing}; logs in each process's log file`,
      );
    await delay(POLL_MS);
  }
}

async function whatIsMissing(
  monitorUrl: string,
  executorIds: readonly string[],
  pollerUrls: readonly string[],
): Promise<string> {
  const status = await getJson<StatusReply>(`${monitorUrl}/api/v1/status`);
  const executors = await getJson<{ items: ExecutorReply[] }>(`${monitorUrl}/api/v1/executors`);
  const alive = new Set(executors.items.filter((e) => e.state === 'alive').map((e) => e.id));
  const absent = executorIds.filter((id) => !alive.has(id));
  const wanted: string[] = [];
  if (absent.length > 0) wanted.push(`heartbeats of ${absent.join(', ')}`);
  if (!status.poller.leader) wanted.push('a leading hub-poller');
  else if (!status.hub?.connected) wanted.push('the hub-poller connected to the hub');
  else {
    const counted = await Promise.all(pollerUrls.map((url) => leaderCountsExecutors(url)));
    if (!counted.includes(executorIds.length))
      wanted.push("the leading hub-poller counting every executor's slots");
  }
  return wanted.join(' and ');
}

/** The executors a leading poller counts (its /metrics), or -1 for a standby or no answer. */
async function leaderCountsExecutors(pollerUrl: string): Promise<number> {
  const response = await fetch(`${pollerUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) return -1;
  const text = await response.text();
  const gauge = (name: string) =>
    Number(text.match(new RegExp(`^koji_farm_poller_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN);
  return gauge('leader') === 1 ? gauge('live_executors') : -1;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
