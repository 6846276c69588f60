import { type KojiClient, type KojiValue } from '@koji-farm/koji';
import { type z } from 'zod';
import { HubReplyError } from './hub-reply.error';

/** Hub calls bound to a task's subsession and signal, with their replies checked. */
export abstract class HubCalls {
  constructor(
    readonly client: KojiClient,
    protected readonly signal?: AbortSignal,
  ) {}

  protected call(
    method: string,
    params: KojiValue[],
    kwargs?: Record<string, KojiValue>,
  ): Promise<KojiValue> {
    return this.client.call(method, params, kwargs, { signal: this.signal });
  }

  protected async checkedCall<T>(
    method: string,
    schema: z.ZodType<T>,
    params: KojiValue[],
    kwargs?: Record<string, KojiValue>,
  ): Promise<T> {
    return this.checked(method, schema, await this.call(method, params, kwargs));
  }

  protected checked<T>(method: string, schema: z.ZodType<T>, value: KojiValue): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new HubReplyError(method, `${issue.path.join('.') || '(value)'}: ${issue.message}`);
  }
}

/** Drops undefined keywords (the hub's defaults apply) and types the rest for the codec. */
export function kwargs(values: Record<string, unknown>): Record<string, KojiValue> {
  const out: Record<string, KojiValue> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value as KojiValue;
  return out;
}
