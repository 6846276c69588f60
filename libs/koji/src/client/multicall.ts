import { faultFromCode } from '../errors/fault-registry';
import { HubProtocolError } from '../errors/hub-protocol-error';
import type { KojiFault } from '../errors/koji-fault';
import { STARSTAR_KEY, isKojiStruct, type KojiValue } from '../xmlrpc/koji-value';
import type { CallOptions, KojiClient } from './koji-client';

/** One call inside a multicall. Uploads cannot go in one. */
export interface MultiCallEntry {
  methodName: string;
  params?: KojiValue[];
  kwargs?: Record<string, KojiValue>;
}

/** One call's outcome: its result, or its fault as a typed error. */
export type MultiCallOutcome<T = KojiValue> = { ok: true; value: T } | { ok: false; error: KojiFault };

export interface MultiCallOptions extends CallOptions {
  /** Splits the calls into multicalls of at most this many (each its own transaction). */
  batch?: number;
}

/**
 * `multiCall([{methodName, params}])`: the calls run in one hub transaction and each
 * comes back as `[result]` or a fault struct, here a {@link MultiCallOutcome}.
 */
export async function multiCall(
  client: Pick<KojiClient, 'call'>,
  calls: ReadonlyArray<MultiCallEntry>,
  options: MultiCallOptions = {},
): Promise<MultiCallOutcome[]> {
  const batch = options.batch && options.batch > 0 ? options.batch : calls.length;
  const outcomes: MultiCallOutcome[] = [];
  for (let start = 0; start < calls.length; start += batch) {
    const group = calls.slice(start, start + batch);
    const wire = group.map((c) => ({ methodName: c.methodName, params: withKwargs(c) }));
    const reply = await client.call('multiCall', [wire], undefined, options);
    if (!Array.isArray(reply) || reply.length !== group.length) {
      const got = Array.isArray(reply) ? `${reply.length} results` : typeof reply;
      throw new HubProtocolError(`multiCall of ${group.length} calls returned ${got}`);
    }
    reply.forEach((entry, i) => outcomes.push(readOutcome(entry, group[i].methodName)));
  }
  return outcomes;
}

function withKwargs(call: MultiCallEntry): KojiValue[] {
  const params = [...(call.params ?? [])];
  if (call.kwargs && Object.keys(call.kwargs).length > 0)
    params.push({ ...call.kwargs, [STARSTAR_KEY]: true });
  return params;
}

function readOutcome(entry: KojiValue, methodName: string): MultiCallOutcome {
  if (Array.isArray(entry) && entry.length === 1) return { ok: true, value: entry[0] };
  if (isKojiStruct(entry) && typeof entry.faultCode === 'number' && typeof entry.faultString === 'string') {
    return { ok: false, error: faultFromCode(entry.faultCode, entry.faultString, { method: methodName }) };
  }
  throw new HubProtocolError(
    `multiCall returned an entry for ${methodName} that is neither [result] nor a fault`,
  );
}

/** A typed handle to one call of a {@link MultiCallBuilder}. */
export interface MultiCallHandle<T> {
  readonly index: number;
  /** Phantom: carries the result type only. */
  readonly __result?: T;
}

/** The outcomes of a built multicall, looked up by handle. */
export class MultiCallResults {
  constructor(readonly outcomes: ReadonlyArray<MultiCallOutcome>) {}

  outcome<T>(handle: MultiCallHandle<T>): MultiCallOutcome<T> {
    return this.outcomes[handle.index] as MultiCallOutcome<T>;
  }

  /** The call's result, or its fault thrown. */
  get<T>(handle: MultiCallHandle<T>): T {
    const outcome = this.outcome(handle);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}

/**
 * Collects calls, then sends them as one multicall:
 * `const b = new MultiCallBuilder(client); const info = b.add<TaskInfo>('getTaskInfo', [id]);
 * const results = await b.run(); results.get(info)`.
 */
export class MultiCallBuilder {
  private readonly calls: MultiCallEntry[] = [];

  constructor(private readonly client: Pick<KojiClient, 'call'>) {}

  add<T = KojiValue>(
    methodName: string,
    params: KojiValue[] = [],
    kwargs?: Record<string, KojiValue>,
  ): MultiCallHandle<T> {
    this.calls.push({ methodName, params, kwargs });
    return { index: this.calls.length - 1 };
  }

  get size(): number {
    return this.calls.length;
  }

  async run(options: MultiCallOptions = {}): Promise<MultiCallResults> {
    return new MultiCallResults(
      this.calls.length === 0 ? [] : await multiCall(this.client, this.calls, options),
    );
  }
}
