import { StringDecoder } from 'node:string_decoder';
import { type FarmEvent, isTaskScoped } from '@koji-farm/contracts';

/** Bytes of log data a log chunk keeps in the Redis event stream (the registry keeps it all). */
export const STREAM_CHUNK_MAX_BYTES = 8 * 1024;

/** Everything the fold script needs to know about one event, as strings. */
export interface EncodedEvent {
  /** type, id, at (ms), seq, source (executor or poller id), taskId or '', attempt or '' */
  header: [string, string, string, string, string, string, string];
  /** The event as WebSocket clients receive it. */
  streamJson: string;
  /** Type-specific name/value pairs. */
  fields: string[];
}

/** Settings every fold call passes, in the order of ARGV[6..12] of the fold script. */
export interface FoldSettings {
  taskTtlMs: number;
  containerTtlMs: number;
  executorTtlMs: number;
  staleTtlMs: number;
  goneMs: number;
  logMaxBytes: number;
  eventStreamMaxLength: number;
}

/** Where this replica stands: the registry generation and the batch's place in the stream. */
export interface FoldPosition {
  epoch: string;
  /** Stream offset up to which this call completes a batch, or undefined: leave the folded offset alone. */
  offset?: number;
  /**
   * Offset of the message this replica read before the batch (-1 from the stream's
   * start): the folded offset moves to `offset` only if it already covers this one.
   */
  previousOffset: number;
}

const ms = (iso: string) => String(Date.parse(iso));
const json = (value: unknown) => JSON.stringify(value);

/** The event's type-specific fields; nested values travel as JSON, absent ones are left out. */
function fieldsOf(event: FarmEvent): Array<[string, string | undefined]> {
  switch (event.type) {
    case 'task.queued':
      return [
        ['method', event.method],
        ['arch', event.arch],
        ['queue', event.queue],
        ['priority', String(event.priority)],
        ['weight', String(event.weight)],
        ['parentId', event.parentId === null ? '' : String(event.parentId)],
      ];
    case 'task.cancel-requested':
      return [['reason', event.reason]];
    case 'task.refused':
      return [
        ['method', event.method],
        ['arch', event.arch],
        ['soft', String(event.soft)],
        ['reason', event.reason],
      ];
    case 'task.received':
      return [
        ['method', event.method],
        ['arch', event.arch],
        ['parentId', event.parentId === null ? '' : String(event.parentId)],
      ];
    case 'task.started':
      return [
        ['method', event.method],
        ['arch', event.arch],
      ];
    case 'task.finished':
      return [
        ['state', event.state],
        ['durationMs', String(event.durationMs)],
        ['result', event.result === undefined ? undefined : json(event.result)],
        ['error', event.error === undefined ? undefined : json(event.error)],
      ];
    case 'step.started':
      return [
        ['step', String(event.step)],
        ['kind', event.kind],
        ['name', event.name],
        ['argv', event.argv === undefined ? undefined : json(event.argv)],
        ['log', event.log],
      ];
    case 'step.finished':
      return [
        ['step', String(event.step)],
        ['kind', event.kind],
        ['name', event.name],
        ['status', event.status],
        ['exitCode', event.exitCode === null ? '' : String(event.exitCode)],
        ['durationMs', String(event.durationMs)],
        ['error', event.error],
      ];
    case 'container.created':
    case 'container.started':
      return [
        ['containerId', event.containerId],
        ['image', event.image],
      ];
    case 'container.removed':
      return [
        ['containerId', event.containerId],
        ['image', event.image],
        ['kept', String(event.kept)],
      ];
    case 'log.chunk':
      return [
        ['log', event.log],
        ['offset', String(event.offset)],
        ['data', event.data],
      ];
    case 'buildroot.state':
      return [
        ['brootId', String(event.brootId)],
        ['state', event.state],
      ];
    case 'buildroot.snapshot':
      return [
        ['brootId', String(event.brootId)],
        ['outcome', event.outcome],
        ['ref', event.ref],
      ];
    case 'executor.heartbeat':
      return [
        ['hostname', event.hostname],
        ['arches', json(event.arches)],
        ['methods', json(event.methods)],
        ['slots', String(event.slots)],
        ['busy', String(event.busy)],
        ['orchestrating', String(event.orchestrating)],
        ['orchestrationSlots', String(event.orchestrationSlots)],
        ['load', String(event.load)],
        ['version', event.version],
        ['startedAt', ms(event.startedAt)],
        ['problems', json(event.problems)],
      ];
    case 'executor.stopped':
      return [['reason', event.reason]];
    case 'poller.heartbeat':
      return [
        ['leader', String(event.leader)],
        ['hub', json(event.hub)],
        ['inFlight', String(event.inFlight)],
        ['ready', String(event.ready)],
        ['startedAt', ms(event.startedAt)],
      ];
  }
}

/**
 * The event as it goes into the Redis stream: unchanged, except that a log chunk keeps
 * at most STREAM_CHUNK_MAX_BYTES of its data (cut on a character boundary) and then says
 * `dataTruncated: true`; the whole chunk is in the task's log (docs/adr/0043-monitor-live-events.md).
 */
export function streamFormOf(event: FarmEvent): string {
  if (event.type !== 'log.chunk' || Buffer.byteLength(event.data) <= STREAM_CHUNK_MAX_BYTES)
    return json(event);
  // The decoder holds back a character cut in half instead of emitting a replacement character.
  const cut = new StringDecoder('utf8').write(Buffer.from(event.data).subarray(0, STREAM_CHUNK_MAX_BYTES));
  return json({ ...event, data: cut, dataTruncated: true });
}

/** Encodes a parsed (and so already stripped of unknown fields) event for the fold script. */
export function encodeEvent(event: FarmEvent): EncodedEvent {
  const source = 'executorId' in event ? event.executorId : event.pollerId;
  const taskId = 'taskId' in event ? String(event.taskId) : '';
  const attempt = isTaskScoped(event) ? String(event.attempt) : '';
  const fields: string[] = [];
  for (const [name, value] of fieldsOf(event)) if (value !== undefined) fields.push(name, value);
  return {
    header: [event.type, event.id, ms(event.at), String(event.seq), source, taskId, attempt],
    streamJson: streamFormOf(event),
    fields,
  };
}

/** The full ARGV of one fold call: the batch's settings, then each event as its argument count and arguments. */
export function foldArguments(
  prefix: string,
  now: number,
  position: FoldPosition,
  settings: FoldSettings,
  events: readonly EncodedEvent[],
): string[] {
  const args = [
    prefix,
    String(now),
    position.epoch,
    position.offset === undefined ? '' : String(position.offset),
    String(position.previousOffset),
    String(settings.taskTtlMs),
    String(settings.containerTtlMs),
    String(settings.executorTtlMs),
    String(settings.staleTtlMs),
    String(settings.goneMs),
    String(settings.logMaxBytes),
    String(settings.eventStreamMaxLength),
  ];
  for (const event of events) {
    args.push(
      String(event.header.length + 1 + event.fields.length),
      ...event.header,
      event.streamJson,
      ...event.fields,
    );
  }
  return args;
}
