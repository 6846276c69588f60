import { join } from 'node:path';
import { WebSocket } from 'ws';
import { HEADERS } from '@koji-farm/contracts';
import { AmqpConnection } from '@koji-farm/messaging';
import { TASK_STATES } from '../koji-hub-sim';
import { printFigure } from './support/figure';
import { ReliabilityFarm } from './support/reliability-farm';
import { buildTestSrpm, buildTickingSrpm } from './support/test-srpms';
import { waitUntil } from './support/wait-until';

const EXECUTOR = 'bad-input-exec';
const SECRET = 'k-secret-bad-input';

/** Task messages no executor may run, each with what its dead-letter reason must say. */
const BAD_TASK_MESSAGES: Array<{ what: string; body: Buffer; reason: RegExp }> = [
  { what: 'not JSON', body: Buffer.from('{this is not json'), reason: /not JSON/ },
  { what: 'empty body', body: Buffer.alloc(0), reason: /not JSON/ },
  {
    what: 'missing fields (with a session key)',
    body: json({ v: 1, taskId: 990001, method: 'buildArch', session: { id: 1, key: SECRET } }),
    reason: /does not match the task message schema/,
  },
  {
    what: 'wrong types',
    body: json({ v: 1, taskId: 'nine', method: 42, arch: ['x86_64'], session: 'none' }),
    reason: /does not match the task message schema/,
  },
  { what: 'unknown version', body: json({ v: 7, taskId: 990002 }), reason: /schema/ },
  {
    what: 'a 10 MB body',
    body: json({ v: 1, taskId: 990003, method: 'buildArch', padding: 'x'.repeat(10 * 1024 * 1024) }),
    reason: /./,
  },
];

/** Events the monitor must skip, each published with a routing key like a real one's. */
const BAD_EVENTS: Array<{ routingKey: string; body: Buffer }> = [
  { routingKey: 'task.finished', body: Buffer.from('not json at all') },
  { routingKey: 'task.finished', body: json({ v: 1, type: 'task.finished', taskId: 990004 }) },
  { routingKey: 'task.exploded', body: json({ v: 1, type: 'task.exploded', taskId: 990005, attempt: 1 }) },
  {
    routingKey: 'log.chunk',
    body: json({
      v: 1,
      type: 'log.chunk',
      id: 'not-a-uuid',
      taskId: -3,
      attempt: 0,
      seq: 'one',
      data: 'x'.repeat(1024 * 1024),
    }),
  },
  { routingKey: 'executor.heartbeat', body: json([1, 2, 3]) },
];

/** REST requests the monitor must refuse with a 400 naming the parameter. */
const BAD_REST: Array<[string, RegExp]> = [
  ['/api/v1/tasks?limit=0', /limit/],
  ['/api/v1/tasks?limit=ten', /limit/],
  ['/api/v1/tasks?state=exploded', /state/],
  ['/api/v1/tasks/abc', /id: expected a task id/],
  ['/api/v1/tasks/12/logs/..%2F..%2Fetc%2Fpasswd', /name: expected a log file name/],
  ['/api/v1/tasks/12/logs/build.log?offset=-1', /offset/],
  ['/api/v1/containers/XYZ', /id: expected a container id/],
  ['/api/v1/executors/bad%20id', /id: expected an identifier/],
  ['/api/v1/status?verbose=1', /unknown parameter\(s\) verbose/],
];

/** WebSocket upgrades the monitor must refuse with a 400 naming the parameter. */
const BAD_WEBSOCKET: Array<[string, RegExp]> = [
  ['type=task.exploded', /type/],
  ['task=abc', /task/],
  ['since=yesterday', /since/],
  ['colour=red', /unknown parameter\(s\) colour/],
];

/**
 * Scenario "bad input" (issue 14): one live farm (poller, executor, monitor, the hub
 * behind the tap) gets a corpus of malformed input from every side: task messages on
 * the task queue, events on the events exchange, malformed hub replies to the poller,
 * a build whose results hold a symlink out of the result directory (a hostile tar
 * entry), bad REST and WebSocket parameters. Valid builds are given between the bad
 * pieces. Each bad piece must be refused with a clear error (dead-letter reason, log
 * line, failed task's message, HTTP 400), no process may crash, and every valid build
 * must close.
 */
describe('bad input from every side, on one live farm', () => {
  let farm: ReliabilityFarm;
  let amqp: AmqpConnection;

  beforeAll(async () => {
    farm = await ReliabilityFarm.start({ label: 'rel-bad-input' });
    amqp = await AmqpConnection.connect({
      url: farm.amqpUrl,
      connectionName: `${farm.namespace} bad input`,
      connectAttempts: 5,
      retryDelayMs: 500,
    });
  }, 180_000);

  afterAll(async () => {
    await amqp?.close();
    await farm?.stop();
  }, 120_000);

  it('refuses each bad piece with a clear error, crashes nothing and loses no valid build', async () => {
    const work = join(farm.sim.dir, 'work');
    const srpm = await buildTickingSrpm(work, 'kf-tick-valid', 2);
    const hostile = await buildTestSrpm(work, 'kf-hostile-results', [
      // rpmbuild --rebuild's _rpmdir is the result directory the executor copies out.
      'mkdir -p %{_rpmdir}',
      'ln -s /etc/passwd %{_rpmdir}/passwd.rpm',
    ]);
    const events = await farm.events();
    const monitor = await farm.startMonitor();
    const executor = await farm.startExecutor(EXECUTOR, { SLOTS: '2' });
    const poller = await farm.startPoller('bad-input-poller');

    const valid: number[] = [];
    const give = () => valid.push(...farm.submitBuildArch(srpm, 1));

    // Task messages, a valid build before and after each.
    give();
    for (const bad of BAD_TASK_MESSAGES) {
      await amqp.publish(farm.names.tasksExchange, 'x86_64', bad.body);
      give();
    }
    // Malformed hub replies to the poller's calls.
    // (A list malformed field by field is no fault when empty: a string where the list goes.)
    farm.sim.faults.malformReply('host.getHostTasks', () => 'not a list of tasks');
    farm.sim.faults.malformReply('getTaskInfo', 'wrong-types');
    give();
    // Events, a valid build after each.
    for (const bad of BAD_EVENTS) {
      await amqp.publish(farm.names.eventsExchange, bad.routingKey, bad.body);
      give();
    }
    // Hostile results.
    const [hostileId] = farm.submitBuildArch(hostile, 1);
    give();

    // REST and WebSocket parameters, while the builds run.
    for (const [path, message] of BAD_REST) {
      const response = await fetch(farm.monitorUrl() + path);
      const body = (await response.json()) as { error: string; message: string };
      expect({ path, status: response.status, error: body.error }).toEqual({
        path,
        status: 400,
        error: 'bad_request',
      });
      expect(body.message).toMatch(message);
    }
    const wsUrl = farm.monitorUrl().replace(/^http/, 'ws');
    for (const [query, message] of BAD_WEBSOCKET) {
      const refusal = await refusedUpgrade(wsUrl, query);
      expect({ query, status: refusal.status, error: refusal.body.error }).toEqual({
        query,
        status: 400,
        error: 'bad_request',
      });
      expect(refusal.body.message).toMatch(message);
    }

    await farm.waitForFinished([...valid, hostileId], 600_000);

    // Nothing valid lost: every valid build closed, once.
    for (const id of valid) {
      expect([id, farm.taskState(id)]).toEqual([id, TASK_STATES.CLOSED]);
      expect(farm.tap.calls('host.closeTask', id).filter((c) => c.faultCode === null)).toHaveLength(1);
    }
    // The hostile build failed, saying which entry and why; nothing was written outside.
    expect(farm.taskState(hostileId)).toBe(TASK_STATES.FAILED);
    const hostileRow = farm.sim.admin.task({ id: hostileId })!;
    expect(hostileRow.result).toContain('Unsafe archive entry');
    expect(hostileRow.result).toContain('passwd.rpm');

    // Every bad task message dead-lettered, with its reason, and no secret in any.
    const dead = await deadLetters(amqp, farm.names.tasksDeadQueue);
    const reasons = dead.map((d) => {
      const reason = d.headers[HEADERS.deadReason];
      return typeof reason === 'string' ? reason : '';
    });
    expect(dead).toHaveLength(BAD_TASK_MESSAGES.length);
    BAD_TASK_MESSAGES.forEach((bad, i) =>
      expect({ what: bad.what, reason: reasons[i] }).toEqual({
        what: bad.what,
        reason: expect.stringMatching(bad.reason),
      }),
    );
    expect(reasons.join('\n')).not.toContain(SECRET);
    expect(dead.every((d) => !valid.includes(Number(safeJson(d.body)?.taskId)))).toBe(true);

    // Every bad event skipped with a reason by the monitor; the valid ones folded.
    await waitUntil(
      () => monitor.lines.filter((l) => l.msg === 'skipping an invalid event').length >= BAD_EVENTS.length,
      30_000,
      'the monitor skipped every bad event',
    );
    for (const id of valid) {
      const task = await farm.rest<{ state: string }>(`/api/v1/tasks/${id}`);
      expect([id, task.state]).toEqual([id, 'closed']);
    }
    // The malformed hub replies were logged by the poller, which carried on.
    const hubReplyErrors = poller.lines.filter(
      (l) =>
        (l.msg.startsWith('host loop failed') || l.msg.startsWith('could not take the task')) &&
        (l.err as { type?: string } | undefined)?.type === 'HubReplyInvalidError',
    );
    expect(hubReplyErrors.map((l) => l.msg.split(';')[0]).sort()).toEqual([
      'could not take the task',
      'host loop failed',
    ]);

    // Nothing crashed: every process runs, the monitor answers, the executor beats.
    expect([poller.running, executor.running, monitor.running]).toEqual([true, true, true]);
    expect((await fetch(`${farm.monitorUrl()}/healthz`)).status).toBe(200);
    const seen = events.events.length;
    await events.waitFor(
      (e) => e.type === 'executor.heartbeat' && e.executorId === EXECUTOR && events.events.indexOf(e) >= seen,
      30_000,
      'a heartbeat after the corpus',
    );

    printFigure(
      'bad-input',
      `${BAD_TASK_MESSAGES.length} bad task messages dead-lettered with a reason, ${BAD_EVENTS.length} bad events skipped, ` +
        `2 malformed hub replies logged, 1 hostile tar entry refused (task failed), ${BAD_REST.length} REST and ` +
        `${BAD_WEBSOCKET.length} WebSocket requests refused with 400; ${valid.length}/${valid.length} valid builds ` +
        `given between them CLOSED; 0 processes crashed`,
      { valid: valid.length },
    );
  }, 900_000);
});

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function safeJson(text: string): { taskId?: unknown } | undefined {
  try {
    return JSON.parse(text) as { taskId?: unknown };
  } catch {
    return undefined;
  }
}

async function deadLetters(
  amqp: AmqpConnection,
  queue: string,
): Promise<Array<{ headers: Record<string, unknown>; body: string }>> {
  return amqp.withChannel(async (ch) => {
    const out: Array<{ headers: Record<string, unknown>; body: string }> = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: true });
      if (!msg) return out;
      out.push({ headers: msg.properties.headers ?? {}, body: msg.content.toString('utf8') });
    }
  });
}

/** Asks for a WebSocket upgrade with `query`: the HTTP status and JSON body of its refusal. */
function refusedUpgrade(
  wsUrl: string,
  query: string,
): Promise<{ status: number; body: { error?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}/api/v1/events?${query}`);
    socket.on('open', () => {
      socket.close();
      reject(new Error(`the upgrade with ${query} was accepted`));
    });
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as { error?: string } }),
      );
    });
  });
}
