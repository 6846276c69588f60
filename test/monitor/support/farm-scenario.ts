import { type FarmEvent, farmEventSchema, type StepKind } from '@koji-farm/contracts';
import { random, uuid } from './seeded-random';

export { duplicateAndShuffle } from './seeded-random';

/** What a generated task ends as. */
export type TaskOutcome = 'closed' | 'failed' | 'running' | 'queued' | 'requeued-then-closed';

export interface GeneratedStep {
  step: number;
  kind: StepKind;
  name: string;
  exitCode: number | null;
  durationMs: number;
  status: 'ok' | 'failed';
  finished: boolean;
}

/** The ground truth of one generated task, to check the registry against. */
export interface GeneratedTask {
  id: number;
  method: string;
  arch: string;
  queue: string;
  outcome: TaskOutcome;
  executorId: string | null;
  attempts: number;
  containerId: string | null;
  /** Steps of the latest attempt. */
  steps: GeneratedStep[];
  /** build.log of the latest attempt, as the executor wrote it. */
  buildLog: string;
}

export interface FarmScenario {
  events: FarmEvent[];
  tasks: GeneratedTask[];
  executors: Array<{ id: string; arches: string[]; slots: number; busy: number }>;
  /** A last heartbeat (executor `sentinel`): once it is folded, everything before it is. */
  sentinel: FarmEvent;
}

export interface ScenarioOptions {
  tasks: number;
  /** Task ids start above this. */
  firstTaskId?: number;
  seed?: number;
  /** The time of the last event; the scenario runs in the minutes before it. */
  now?: number;
  /** Lines in each build log. */
  logLines?: number;
  /** The queue names' namespace (as the poller would publish them). */
  namespace?: string;
}

const OUTCOMES: TaskOutcome[] = ['closed', 'closed', 'failed', 'running', 'queued', 'requeued-then-closed'];
const EXECUTORS = [
  { id: 'exec-a', arches: ['x86_64', 'noarch'], slots: 4 },
  { id: 'exec-b', arches: ['x86_64', 'noarch'], slots: 2 },
  { id: 'exec-c', arches: ['aarch64'], slots: 2 },
];

/**
 * Generates the events of a small farm: executor and poller heartbeats and, per task,
 * what the poller and an executor publish for it (queued, received, started, the
 * create/copy/exec/remove steps with containers and log chunks, finished). Events are
 * in the order they would be published; tests shuffle and duplicate them at will.
 */
export function generateScenario(options: ScenarioOptions): FarmScenario {
  const next = random(options.seed ?? 7);
  const now = options.now ?? Date.now();
  const ns = options.namespace ? `${options.namespace}.` : '';
  const logLines = options.logLines ?? 12;
  // Times are counted from 0 and shifted at the end so that the last event is at `now`.
  let clock = 0;
  const tick = (ms = 1 + Math.floor(next() * 10)) => (clock += ms);
  const at = () => tick();
  const raws: Array<Record<string, unknown>> = [];
  const emit = (raw: Record<string, unknown>) => raws.push({ v: 1, id: uuid(next), ...raw });
  let pollerSeq = 0;
  const executorSeq = new Map<string, number>();
  const startedAt = 0;
  const heartbeat = (e: (typeof EXECUTORS)[number], busy: number) => {
    const seq = (executorSeq.get(e.id) ?? 0) + 1;
    executorSeq.set(e.id, seq);
    emit({
      type: 'executor.heartbeat',
      at: at(),
      seq,
      executorId: e.id,
      arches: e.arches,
      methods: ['buildArch', 'createrepo', 'build', 'newRepo'],
      slots: e.slots,
      busy,
      orchestrating: 0,
      orchestrationSlots: 8,
      load: busy * 1.5,
      version: '0.1.0',
      startedAt,
      hostname: `${e.id}.example.org`,
    });
  };
  for (const e of EXECUTORS) heartbeat(e, 0);
  emit({
    type: 'poller.heartbeat',
    at: at(),
    seq: ++pollerSeq,
    pollerId: 'poller-1',
    leader: true,
    hub: { url: 'http://hub.example.org/kojihub', connected: true, lastOkAt: clock, hostId: 3 },
    inFlight: 0,
    ready: true,
    startedAt,
  });

  const tasks: GeneratedTask[] = [];
  const firstId = options.firstTaskId ?? 1000;
  for (let i = 0; i < options.tasks; i++) {
    const id = firstId + i;
    const outcome = OUTCOMES[i % OUTCOMES.length];
    const executor = outcome === 'queued' ? null : EXECUTORS[i % 2];
    const arch = executor?.arches[0] ?? (i % 4 === 0 ? 'ppc64le' : 'x86_64');
    const queue = `${ns}koji.tasks.${arch}`;
    emit({
      type: 'task.queued',
      at: at(),
      seq: ++pollerSeq,
      pollerId: 'poller-1',
      taskId: id,
      method: 'buildArch',
      arch,
      queue,
      priority: 19,
      weight: 1.5,
      parentId: id - 1,
    });
    const task: GeneratedTask = {
      id,
      method: 'buildArch',
      arch,
      queue,
      outcome,
      executorId: executor?.id ?? null,
      attempts: 0,
      containerId: null,
      steps: [],
      buildLog: '',
    };
    tasks.push(task);
    if (!executor) continue;
    const attempts = outcome === 'requeued-then-closed' ? 2 : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      task.attempts = attempt;
      const last = attempt === attempts;
      const final = !last
        ? 'requeued'
        : outcome === 'failed'
          ? 'failed'
          : outcome === 'running'
            ? null
            : 'closed';
      let seq = 0;
      const base = () => ({ at: at(), seq: ++seq, executorId: executor.id, taskId: id, attempt });
      emit({ ...base(), type: 'task.received', method: 'buildArch', arch, parentId: id - 1 });
      emit({ ...base(), type: 'task.started', method: 'buildArch', arch });
      const containerId = Array.from({ length: 64 }, () => Math.floor(next() * 16).toString(16)).join('');
      task.containerId = containerId;
      const steps: GeneratedStep[] = [];
      const runStep = (
        kind: StepKind,
        name: string,
        exitCode: number | null,
        body?: () => void,
        finish = true,
      ) => {
        const step = steps.length + 1;
        const log = name === 'exec build' ? 'build.log' : kind === 'exec' ? 'root.log' : undefined;
        emit({
          ...base(),
          type: 'step.started',
          step,
          kind,
          name,
          argv: kind === 'exec' ? ['/bin/sh', '-c', name] : undefined,
          log,
        });
        body?.();
        const durationMs = 10 + Math.floor(next() * 2000);
        const status = exitCode !== null && exitCode !== 0 ? 'failed' : 'ok';
        steps.push({ step, kind, name, exitCode, durationMs, status, finished: finish });
        if (finish)
          emit({ ...base(), type: 'step.finished', step, kind, name, status, exitCode, durationMs });
      };
      const writeLog = (log: string, lines: number) => {
        let text = '';
        for (let n = 1; n <= lines; n++)
          text += `${log} task ${id} attempt ${attempt} line ${n}: ${'ü'.repeat(n % 3)}ok\n`;
        let offset = 0;
        const bytes = Buffer.from(text);
        while (offset < bytes.length) {
          const size = Math.min(bytes.length - offset, 80 + Math.floor(next() * 200));
          // Cut on a line boundary so that each chunk is whole characters.
          let end = bytes.indexOf(0x0a, offset + size - 1);
          end = end < 0 ? bytes.length : end + 1;
          emit({
            ...base(),
            type: 'log.chunk',
            log,
            offset,
            data: bytes.subarray(offset, end).toString('utf8'),
          });
          offset = end;
        }
        return text;
      };
      runStep('create', 'create', null, () => {
        emit({
          ...base(),
          type: 'container.created',
          containerId,
          image: 'localhost/koji-farm-buildroot:bookworm',
        });
      });
      emit({
        ...base(),
        type: 'container.started',
        containerId,
        image: 'localhost/koji-farm-buildroot:bookworm',
      });
      runStep('copy', 'copy repo file', null);
      runStep('exec', 'exec init 1/1', 0, () => writeLog('root.log', 3));
      const buildExit = final === 'failed' ? 1 : 0;
      let buildLog = '';
      runStep(
        'exec',
        'exec build',
        buildExit,
        () => (buildLog = writeLog('build.log', logLines)),
        final !== null,
      );
      task.buildLog = buildLog;
      if (final !== null) {
        runStep('remove', 'remove', null, () =>
          emit({
            ...base(),
            type: 'container.removed',
            containerId,
            image: 'localhost/koji-farm-buildroot:bookworm',
            kept: false,
          }),
        );
        emit({
          ...base(),
          type: 'task.finished',
          state: final,
          durationMs: 5000,
          result:
            final === 'closed'
              ? { rpms: [`kf-${id}-1.0-1.x86_64.rpm`], srpms: [], logs: ['build.log'] }
              : undefined,
          error:
            final === 'failed'
              ? { faultCode: 1005, name: 'BuildError', message: 'rpmbuild exited with 1' }
              : undefined,
        });
      }
      task.steps = steps;
    }
  }
  for (const e of EXECUTORS) {
    heartbeat(e, tasks.filter((t) => t.outcome === 'running' && t.executorId === e.id).length);
  }
  const shift = now - tick();
  const iso = (ms: number) => new Date(ms + shift).toISOString();
  const events = raws.map((raw) => {
    const event: Record<string, unknown> = { ...raw, at: iso(raw.at as number) };
    if (typeof raw.startedAt === 'number') event.startedAt = iso(raw.startedAt);
    const hub = raw.hub as { lastOkAt?: number } | undefined;
    if (hub) event.hub = { ...hub, lastOkAt: iso(hub.lastOkAt ?? 0) };
    return farmEventSchema.parse(event);
  });
  const sentinel = farmEventSchema.parse({
    v: 1,
    id: '00000000-0000-4000-a000-000000000001',
    type: 'executor.heartbeat',
    at: iso(clock),
    seq: 1,
    executorId: 'sentinel',
    arches: ['noarch'],
    methods: [],
    slots: 0,
    busy: 0,
    load: 0,
    version: 'sentinel',
    startedAt: iso(startedAt),
    hostname: 'sentinel',
  });
  const executors = EXECUTORS.map((e) => ({
    ...e,
    busy: tasks.filter((t) => t.outcome === 'running' && t.executorId === e.id).length,
  }));
  return { events, tasks, executors, sentinel };
}
