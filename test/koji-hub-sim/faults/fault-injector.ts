import type { KojiValue } from '@koji-farm/koji/xmlrpc';

/** What a matched rule does to one request. */
export type FaultAction =
  | { kind: 'status'; status: number }
  | { kind: 'reset'; afterCommit: boolean }
  | { kind: 'delay'; ms: number };

export type Malformation = 'wrong-types' | 'missing-fields' | ((value: KojiValue) => KojiValue);

interface Rule {
  action: FaultAction;
  times: number;
  method?: string;
}

export interface RuleOptions {
  /** How many requests it hits (default 1). */
  times?: number;
  /** Only requests for this XML-RPC method ('upload' for uploads); any request when absent. */
  method?: string;
}

/**
 * Fault injection for client tests: HTTP errors from a "proxy", dropped connections
 * (before the hub ran the call, or after it committed so only the reply is lost),
 * delays, malformed replies. The hub going down is the server's part
 * (`HubSimulator.goDown`).
 */
export class FaultInjector {
  private rules: Rule[] = [];
  private malformed = new Map<string, { how: Malformation; times: number }>();

  /** The next N requests answer with this HTTP status (502/503/504...) and no Koji reply. */
  httpStatus(status: number, options: RuleOptions = {}): void {
    this.add({ kind: 'status', status }, options);
  }

  /** The next N requests have their connection reset; `afterCommit` runs the call first. */
  resetConnection(options: RuleOptions & { afterCommit?: boolean } = {}): void {
    this.add({ kind: 'reset', afterCommit: options.afterCommit ?? false }, options);
  }

  /** The next N requests wait `ms` before they are handled. */
  delay(ms: number, options: RuleOptions = {}): void {
    this.add({ kind: 'delay', ms }, options);
  }

  /** The next N successful replies of `method` are altered: wrong types, missing fields, or your function. */
  malformReply(method: string, how: Malformation, options: { times?: number } = {}): void {
    this.malformed.set(method, { how, times: options.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
    this.malformed.clear();
  }

  /** Takes the actions for a request of `method` (each matching rule fires once). */
  take(method: string): FaultAction[] {
    const out: FaultAction[] = [];
    for (const rule of this.rules) {
      if (rule.times <= 0 || (rule.method !== undefined && rule.method !== method)) continue;
      rule.times -= 1;
      out.push(rule.action);
    }
    this.rules = this.rules.filter((r) => r.times > 0);
    return out;
  }

  /** The dispatcher's result filter. */
  readonly filterResult = (method: string, value: KojiValue): KojiValue => {
    const m = this.malformed.get(method);
    if (!m || m.times <= 0) return value;
    m.times -= 1;
    if (typeof m.how === 'function') return m.how(value);
    return m.how === 'wrong-types' ? wrongTypes(value, 0) : missingFields(value);
  };

  private add(action: FaultAction, options: RuleOptions): void {
    this.rules.push({ action, times: options.times ?? 1, method: options.method });
  }
}

function wrongTypes(value: KojiValue, depth: number): KojiValue {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value.length;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === null) return 'None';
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return depth > 0 ? value.length : value.map((v) => wrongTypes(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrongTypes(v, depth + 1)]));
}

function missingFields(value: KojiValue): KojiValue {
  if (Array.isArray(value)) return value.map((v) => missingFields(v));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value))
    return 'id' in value ? { id: value.id } : {};
  return null;
}
