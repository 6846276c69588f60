import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractJsonSchemas } from './json-schema';
import { farmEventSchema, FARM_EVENT_TYPES, isTaskScoped } from './events/farm-event.schema';
import { controlMessageSchema, sessionHandoverReplySchema } from './messages/control-message.schema';
import { taskMessageSchema } from './messages/task-message.schema';
import { amqpTopology, isOrchestrationMethod } from './topology';

const validTask = {
  v: 1,
  taskId: 42,
  method: 'buildArch',
  arch: 'x86_64',
  channelId: 1,
  priority: 19,
  weight: 1.5,
  parentId: 41,
  request: ['tasks/41/kf-hello-1.0-1.src.rpm', 3, 'x86_64', true, { repo_id: 7 }],
  session: { id: 1001, key: '1001-abcdef' },
  hub: { url: 'http://127.0.0.1:8000/kojihub', topurl: 'http://127.0.0.1:8000/kojifiles' },
  publishedAt: '2026-11-23T12:00:00.000Z',
};

describe('task message schema', () => {
  it('accepts a complete message', () => {
    expect(taskMessageSchema.parse(validTask)).toEqual(validTask);
  });

  it.each([
    ['taskId', { taskId: -1 }],
    ['arch', { arch: 'x86/64' }],
    ['method', { method: '' }],
    ['session', { session: { id: 1 } }],
    ['hub', { hub: { url: 'not a url', topurl: 'http://x' } }],
    ['v', { v: 2 }],
  ])('rejects a bad %s and names it', (field, patch) => {
    const result = taskMessageSchema.safeParse({ ...validTask, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toContain(field);
  });

  it('drops fields it does not know instead of passing them on', () => {
    const parsed = taskMessageSchema.parse({ ...validTask, password: 'hunter2' });
    expect(parsed).not.toHaveProperty('password');
  });
});

describe('farm events', () => {
  const base = {
    v: 1 as const,
    id: randomUUID(),
    at: '2026-11-23T12:00:00.000Z',
    seq: 1,
    executorId: 'exec-1',
    taskId: 42,
    attempt: 1,
  };

  it('discriminates by type and knows every type', () => {
    const event = farmEventSchema.parse({
      ...base,
      type: 'step.finished',
      step: 3,
      kind: 'exec',
      name: 'exec build',
      status: 'failed',
      exitCode: 1,
      durationMs: 1200,
    });
    expect(event.type).toBe('step.finished');
    expect(isTaskScoped(event)).toBe(true);
    expect(FARM_EVENT_TYPES).toHaveLength(17);
  });

  it('reads a buildroot.snapshot event and refuses an unknown outcome', () => {
    const snapshot = {
      ...base,
      type: 'buildroot.snapshot',
      brootId: 4,
      outcome: 'hit',
      ref: 'localhost/s:ab',
    };
    expect(farmEventSchema.parse(snapshot)).toMatchObject({ outcome: 'hit', brootId: 4 });
    expect(farmEventSchema.safeParse({ ...snapshot, outcome: 'maybe' }).success).toBe(false);
  });

  it('rejects an unknown type and a log chunk over 64 KiB', () => {
    expect(farmEventSchema.safeParse({ ...base, type: 'task.exploded' }).success).toBe(false);
    const big = farmEventSchema.safeParse({
      ...base,
      type: 'log.chunk',
      log: 'build.log',
      offset: 0,
      data: 'x'.repeat(65537),
    });
    expect(big.success).toBe(false);
  });

  it('strips unknown fields such as a leaked secret', () => {
    const event = farmEventSchema.parse({
      ...base,
      type: 'container.created',
      containerId: 'a'.repeat(64),
      image: 'localhost/img:tag',
      sessionKey: 'secret',
    });
    expect(JSON.stringify(event)).not.toContain('secret');
  });

  it('executor heartbeats are not task scoped', () => {
    const hb = farmEventSchema.parse({
      v: 1,
      id: randomUUID(),
      at: base.at,
      seq: 9,
      executorId: 'exec-1',
      type: 'executor.heartbeat',
      arches: ['x86_64', 'noarch'],
      methods: ['buildArch'],
      slots: 2,
      busy: 1,
      load: 1.5,
      version: '0.1.0',
      startedAt: base.at,
      hostname: 'builder-1',
    });
    expect(isTaskScoped(hb)).toBe(false);
  });
});

describe('control messages', () => {
  it('accepts cancel and rejects anything else', () => {
    expect(
      controlMessageSchema.parse({ v: 1, type: 'cancel', taskId: 5, reason: 'canceled on hub' }).type,
    ).toBe('cancel');
    expect(controlMessageSchema.safeParse({ v: 1, type: 'pause', taskId: 5 }).success).toBe(false);
  });

  it('accepts a session handover naming its executor, and refuses one without credentials', () => {
    const handover = {
      v: 1,
      type: 'session',
      taskId: 5,
      executorId: 'exec-1',
      generation: 2,
      handoverId: '77-5',
      session: { id: 78, key: '78-secret' },
      replyTo: 'ns.koji.control.reply.poller-1.abcd',
    };
    expect(controlMessageSchema.parse(handover).type).toBe('session');
    expect(controlMessageSchema.safeParse({ ...handover, session: { id: 78 } }).success).toBe(false);
    expect(
      sessionHandoverReplySchema.parse({
        v: 1,
        type: 'session-reply',
        handoverId: '77-5',
        taskId: 5,
        executorId: 'exec-1',
        generation: 2,
        taken: false,
      }).reason,
    ).toBe('');
  });
});

describe('topology', () => {
  it('prefixes every name with the namespace', () => {
    const sut = amqpTopology('test-1');
    expect(sut.taskQueue('x86_64')).toBe('test-1.koji.tasks.x86_64');
    expect(sut.eventsLogQueue).toBe('test-1.koji.events.log');
    expect(amqpTopology().tasksExchange).toBe('koji.tasks');
  });

  it("names the poller's dead-letter queue beside the operators' one", () => {
    const sut = amqpTopology('test-1');
    expect(sut.tasksDeadQueue).toBe('test-1.koji.tasks.dead');
    expect(sut.tasksDeadPollerQueue).toBe('test-1.koji.tasks.dead.poller');
    expect(amqpTopology().tasksDeadPollerQueue).toBe('koji.tasks.dead.poller');
  });

  it('routes waiting parents to the orchestration queue', () => {
    expect(isOrchestrationMethod('build')).toBe(true);
    expect(isOrchestrationMethod('buildArch')).toBe(false);
  });
});

describe('published JSON Schemas', () => {
  it('docs/contracts matches the zod schemas (run `npm run contracts:schemas` after a change)', () => {
    for (const [file, schema] of Object.entries(contractJsonSchemas())) {
      const published = JSON.parse(readFileSync(join(__dirname, '../../../docs/contracts', file), 'utf8'));
      expect(published).toEqual(schema);
    }
  });
});
