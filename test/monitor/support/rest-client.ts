import { waitFor } from './waits';
import { type Loose } from './loose';

/** GETs JSON from a monitor; throws on a non-2xx answer with its body. */
export async function getJson<T = Loose>(baseUrl: string, path: string, token?: string): Promise<T> {
  const response = await fetch(baseUrl + path, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Waits until the monitor has folded the scenario's sentinel heartbeat (and so everything before it). */
export async function waitForSentinel(baseUrl: string, token?: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () =>
      (
        await fetch(`${baseUrl}/api/v1/executors/sentinel`, {
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        })
      ).ok
        ? true
        : undefined,
    timeoutMs,
    'the sentinel event to be folded',
  );
}

/**
 * Everything the REST API says about the registry, minus what depends on the clock
 * (executor liveness and what follows from it) or on which replica answers: the basis
 * for "same state" comparisons.
 */
export async function registryDump(baseUrl: string, token?: string): Promise<Record<string, unknown>> {
  const get = (path: string) => getJson(baseUrl, path, token);
  const tasks: Loose[] = [];
  let cursor: string | null = null;
  do {
    const page: Loose = await get(`/api/v1/tasks?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    tasks.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const details: Record<string, unknown> = {};
  const logs: Record<string, string> = {};
  for (const task of tasks) {
    const { waiting: _waiting, ...detail }: Loose = await get(`/api/v1/tasks/${task.id}`);
    details[task.id] = detail;
    for (const log of detail.logs) {
      const response = await fetch(
        `${baseUrl}/api/v1/tasks/${task.id}/logs/${log.name}?attempt=${log.attempt}`,
        {
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        },
      );
      logs[`${task.id}/${log.attempt}/${log.name}`] = await response.text();
    }
  }
  const status: Loose = await get('/api/v1/status');
  return {
    tasks,
    details,
    logs,
    executors: (await get('/api/v1/executors')).items.map(({ state: _state, ...e }: Loose) => e),
    containers: (await get('/api/v1/containers?state=all&limit=1000')).items,
    counts: {
      tasks: status.tasks,
      queues: status.queues
        .filter((q: Loose) => q.queuedTasks > 0)
        .map(({ depth: _depth, ...q }: Loose) => q),
    },
  };
}
