import { type TaskMessage } from '@koji-farm/contracts';
import { encodeResponse, KojiClient } from '@koji-farm/koji';
import { type Collector, type Received } from '../../test/hub-poller/support/message-watchers';

/**
 * Plays the executors' part in the pickup benchmark: each delivered task is closed on
 * the hub at once, from a fresh sibling of its subsession as an executor's attempt
 * does, so its slot frees up for the next wave. Returns a function that waits for the
 * closes still running.
 */
export function closeEachTask(
  collector: Collector<TaskMessage>,
  onError: (err: unknown) => void,
): () => Promise<void> {
  const closing = new Set<Promise<void>>();
  collector.onItem((item) => {
    const run = close(item).catch(onError);
    closing.add(run);
    void run.finally(() => closing.delete(run));
  });
  return async () => {
    await Promise.allSettled([...closing]);
  };
}

async function close(item: Received<TaskMessage>): Promise<void> {
  const client = KojiClient.fromSession(item.body.session, item.body.hub.url);
  try {
    const attempt = await client.subsession();
    await attempt.call('host.closeTask', [item.body.taskId, encodeResponse('done')]);
    await attempt.logout();
  } finally {
    await client.close();
  }
}
