import { faultFromCode } from '../errors/fault-registry';
import type { KojiFault } from '../errors/koji-fault';
import { HubConnectionError } from '../errors/hub-connection-error';
import { HubProtocolError } from '../errors/hub-protocol-error';
import { RetryError } from '../errors/retry-error';
import { SequenceError } from '../errors/sequence-error';
import { ServerOffline } from '../errors/server-offline';
import type { KojiLogger } from '../logging/koji-logger';
import type { SessionState } from '../session/session-state';
import type { HubPost } from '../transport/hub-transport';
import { scrubSecrets, snippet } from '../transport/redact';
import { decodeResponse } from '../xmlrpc/decode';
import type { KojiValue } from '../xmlrpc/koji-value';
import { XmlRpcDecodeError } from '../xmlrpc/xmlrpc-decode-error';
import { abortableSleep } from './abortable-sleep';
import type { OfflineRetryPolicy, RetryPolicy } from './koji-client-options';

/** One logical request: how to build its HTTP POST for a given callnum. */
export interface RpcRequest {
  /** What to name in logs and errors (`host.getTasks`, `rawUpload`). */
  label: string;
  build(callnum: number | undefined, resend: boolean): Omit<HubPost, 'signal' | 'secrets'>;
  signal?: AbortSignal;
  /** false: one attempt only (logout at shutdown must not wait for hours). */
  retry?: boolean;
  secrets?: ReadonlyArray<string | undefined>;
}

/** The part of HubTransport the caller needs (a seam for unit tests). */
export interface HubPoster {
  post(request: HubPost): Promise<Buffer>;
}

/** How many times a shared session's callnum may be moved on for one request. */
const MAX_RESYNCS = 3;
const SEQUENCE_MESSAGE = /(\d+)\s*>\s*(\d+)/;
const HTML_START = /^\s*(<!doctype html|<html)/i;

/**
 * Sends one request until it gets an answer: connection failures of session calls
 * (and of anonymous ones when `retry.anonymous`) are resent with the SAME callnum (first resend at once, then every `intervalMs`), faults are never
 * resent (except ServerOffline when offline retry is on, and a shared session's
 * SequenceError/RetryError on a first send, see ADR 0022). The caller holds the
 * session's lane, so callnums reach the hub in order.
 */
export class RpcCaller {
  constructor(
    private readonly transport: HubPoster,
    private readonly retry: RetryPolicy,
    private readonly offlineRetry: OfflineRetryPolicy,
    private readonly logger: KojiLogger,
  ) {}

  async send(session: SessionState | null, request: RpcRequest): Promise<KojiValue> {
    const secrets = [...(request.secrets ?? []), session?.key];
    let callnum = session?.takeCallnum();
    let sends = 0; // sends of the current callnum
    let failures = 0; // connection failures in a row
    let resyncs = 0;
    for (;;) {
      const started = Date.now();
      let body: Buffer;
      try {
        sends++;
        const post = request.build(callnum, sends > 1);
        body = await this.transport.post({
          ...post,
          headers: { ...post.headers, ...sessionHeaders(session, callnum) },
          signal: request.signal,
          secrets,
        });
      } catch (err) {
        const retryable = request.retry !== false && (session !== null || this.retry.anonymous);
        if (!(err instanceof HubConnectionError) || !retryable || failures >= this.retry.maxRetries) {
          throw err;
        }
        failures++;
        const waitMs = failures === 1 ? 0 : this.retry.intervalMs;
        this.logger.warn(
          {
            method: request.label,
            callnum,
            // Not `attempt`: a task's logger binds that to the task's attempt number.
            retry: failures,
            maxRetries: this.retry.maxRetries,
            code: err.code,
            waitMs,
          },
          'hub call failed to connect; resending with the same callnum',
        );
        await abortableSleep(waitMs, request.signal);
        continue;
      }
      const reply = this.decode(body, request.label, secrets);
      this.logger.debug({ method: request.label, callnum, ms: Date.now() - started }, 'hub call answered');
      if (reply.ok) return reply.value;
      const fault = faultFromCode(reply.faultCode, scrubSecrets(reply.faultString, secrets), {
        method: request.label,
        attempts: sends,
      });
      if (fault instanceof ServerOffline && this.offlineRetry.enabled) {
        this.logger.warn(
          { method: request.label, waitMs: this.offlineRetry.intervalMs },
          'hub is offline; waiting',
        );
        await abortableSleep(this.offlineRetry.intervalMs, request.signal);
        failures = 0;
        continue;
      }
      const next =
        session?.shared && sends === 1 && resyncs < MAX_RESYNCS ? resyncedCallnum(fault, callnum) : undefined;
      if (session && next !== undefined) {
        resyncs++;
        session.advanceTo(next);
        const previous = callnum;
        callnum = session.takeCallnum();
        sends = 0;
        this.logger.warn(
          { method: request.label, callnum: previous, nextCallnum: callnum, fault: fault.name },
          'another user of this shared session moved its callnum on; resending with a later one',
        );
        continue;
      }
      throw fault;
    }
  }

  private decode(body: Buffer, label: string, secrets: ReadonlyArray<string | undefined>) {
    try {
      return decodeResponse(body);
    } catch (err) {
      if (!(err instanceof XmlRpcDecodeError)) throw err;
      const text = body.subarray(0, 512).toString('utf8');
      const what = HTML_START.test(text)
        ? `an HTML page instead of XML-RPC: "${snippet(scrubSecrets(text, secrets), 120)}"`
        : `a reply that is not valid XML-RPC: ${scrubSecrets(err.message, secrets)}`;
      throw new HubProtocolError(`the hub answered ${label} with ${what}`, { cause: err });
    }
  }
}

function sessionHeaders(session: SessionState | null, callnum: number | undefined): Record<string, string> {
  if (!session) return {};
  const headers: Record<string, string> = {
    'Koji-Session-Id': String(session.id),
    'Koji-Session-Key': session.key,
  };
  if (callnum !== undefined) headers['Koji-Session-Callnum'] = String(callnum);
  return headers;
}

/**
 * For a shared session's first send of a callnum: the next callnum to use when the
 * hub refused ours because another process used the session (nothing ran), else
 * undefined. SequenceError says "<last> > <ours>"; RetryError means ours was taken.
 */
function resyncedCallnum(fault: KojiFault, callnum: number | undefined): number | undefined {
  if (callnum === undefined) return undefined;
  if (fault instanceof SequenceError) {
    const match = SEQUENCE_MESSAGE.exec(fault.faultString);
    return match ? Number(match[1]) + 1 : undefined;
  }
  if (fault instanceof RetryError) return callnum + 1;
  return undefined;
}
