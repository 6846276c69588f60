import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { type Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { type AmqpTopology, type FarmEvent } from '@koji-farm/contracts';
import { type AmqpConnection } from '@koji-farm/messaging';
import { monitorConfigSchema } from '../../apps/monitor/src/config/monitor.config';
import { encodeEvent } from '../../apps/monitor/src/registry/fold-arguments';
import { RegistryWriter } from '../../apps/monitor/src/registry/registry-writer';

/** Value at quantile q of sorted samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Publishes events as fast as the broker takes them (no confirms: this only fills the
 * stream before a measurement; the monitor's folded offset shows that all arrived).
 */
export async function fillStream(
  amqp: AmqpConnection,
  names: AmqpTopology,
  events: readonly FarmEvent[],
): Promise<void> {
  await amqp.withChannel(async (channel) => {
    for (const event of events) {
      const ok = channel.publish(names.eventsExchange, event.type, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
      });
      if (!ok) await once(channel, 'drain');
    }
    // A round trip after the last publish: the broker has read everything before it.
    await channel.checkExchange(names.eventsExchange);
  });
}

/** Publishes `make(i)` at `rate` events per second for `seconds`, with confirms. */
export async function publishPaced(
  amqp: AmqpConnection,
  names: AmqpTopology,
  rate: number,
  seconds: number,
  make: (i: number) => FarmEvent,
): Promise<number> {
  const tickMs = 10;
  const perTick = (rate * tickMs) / 1000;
  const start = performance.now();
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / tickMs + 1) * perTick);
    while (sent < due) {
      const event = make(sent++);
      const p = amqp.publish(names.eventsExchange, event.type, event).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await delay(tickMs);
  }
  await Promise.all(inFlight);
  return sent;
}

/** WebSocket clients that record, for each event, the time from its `at` to its arrival. */
export class LatencyClients {
  readonly samples: number[] = [];
  private readonly sockets: WebSocket[] = [];

  static async connect(wsUrl: string, count: number, query: string): Promise<LatencyClients> {
    const clients = new LatencyClients();
    await Promise.all(
      Array.from({ length: count }, async () => {
        const socket = new WebSocket(`${wsUrl}/api/v1/events?${query}`);
        clients.sockets.push(socket);
        socket.on('message', (data: Buffer) => clients.record(data));
        await once(socket, 'open');
      }),
    );
    return clients;
  }

  get dropped(): number {
    return this.sockets.filter((s) => s.readyState !== WebSocket.OPEN).length;
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }

  private record(data: Buffer): void {
    // Cheaper than JSON.parse: each event of a message has one `"at":"<24 characters>"`.
    const now = Date.now();
    const text = data.toString('utf8');
    for (let i = text.indexOf('"at":"'); i >= 0; i = text.indexOf('"at":"', i + 30)) {
      this.samples.push(now - Date.parse(text.slice(i + 6, i + 30)));
    }
  }
}

/** Times `requests` sequential GETs of each path; returns the latencies in ms. */
export async function timeRequests(
  url: string,
  paths: readonly string[],
  requests: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const path = paths[i % paths.length];
    const start = performance.now();
    const response = await fetch(url + path);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    samples.push(performance.now() - start);
  }
  return samples;
}

const METHODS = ['buildArch', 'buildArch', 'buildArch', 'buildArch', 'createrepo', 'buildSRPMFromSCM'];

/**
 * Writes `count` tasks straight into the registry through the fold script (queued,
 * received, started and mostly finished), as the monitor would have folded them.
 */
export async function seedTasks(redis: Redis, prefix: string, firstId: number, count: number): Promise<void> {
  const writer = new RegistryWriter(redis, prefix, monitorConfigSchema.parse({}));
  const { epoch } = await writer.claimEpoch();
  const now = Date.now();
  const batch: FarmEvent[] = [];
  const flush = async () => {
    await writer.fold(
      batch.map((e) => encodeEvent(e)),
      epoch,
    );
    batch.length = 0;
  };
  for (let i = 0; i < count; i++) {
    const taskId = firstId + i;
    const method = METHODS[i % METHODS.length];
    const at = (d: number) => new Date(now - (count - i) * 10 + d).toISOString();
    const executorId = `exec-${i % 20}`;
    const envelope = (seq: number, d: number) => ({
      v: 1 as const,
      id: randomUUID(),
      at: at(d),
      seq,
      executorId,
      taskId,
      attempt: 1,
    });
    batch.push({
      v: 1,
      id: randomUUID(),
      at: at(0),
      seq: i + 1,
      pollerId: 'bench-poller',
      type: 'task.queued',
      taskId,
      method,
      arch: 'x86_64',
      queue: 'koji.tasks.x86_64',
      priority: 19,
      weight: 1,
      parentId: null,
    });
    const outcome = i % 10;
    if (outcome !== 9) {
      batch.push({ ...envelope(1, 1), type: 'task.received', method, arch: 'x86_64', parentId: null });
      batch.push({ ...envelope(2, 2), type: 'task.started', method, arch: 'x86_64' });
      if (outcome < 8) {
        batch.push({
          ...envelope(3, 5),
          type: 'task.finished',
          state: outcome === 7 ? 'failed' : 'closed',
          durationMs: 5,
        });
      }
    }
    if (batch.length >= 2000) await flush();
  }
  await flush();
}

let liveSeq = 0;

/**
 * The i-th event of the WebSocket phase: tasks of 50 events (received, steps, small log
 * chunks), timed by the wall clock at publishing.
 */
export function liveEvent(i: number): FarmEvent {
  const taskId = 5_000_000 + Math.floor(i / 50);
  const n = i % 50;
  const envelope = {
    v: 1 as const,
    id: randomUUID(),
    at: new Date().toISOString(),
    seq: ++liveSeq,
    executorId: 'exec-1',
    taskId,
    attempt: 1,
  };
  if (n === 0)
    return { ...envelope, type: 'task.received', method: 'buildArch', arch: 'x86_64', parentId: null };
  if (n % 10 === 1) return { ...envelope, type: 'step.started', step: n, kind: 'exec', name: `exec ${n}` };
  if (n % 10 === 2) {
    const step = n - 1;
    return {
      ...envelope,
      type: 'step.finished',
      step,
      kind: 'exec',
      name: `exec ${step}`,
      status: 'ok',
      exitCode: 0,
      durationMs: 12,
    };
  }
  return { ...envelope, type: 'log.chunk', log: 'build.log', offset: n * 200, data: `${'#'.repeat(199)}\n` };
}
