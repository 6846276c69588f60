import { decodeResponse, encodeRequest, type KojiValue, type SessionCredentials } from '@koji-farm/koji';

export type RawOutcome =
  { ok: true; value: KojiValue } | { ok: false; faultCode: number; faultString: string };

/**
 * One XML-RPC call with the session headers written by hand, for tests of the hub's
 * callnum rules (KojiClient manages and resynchronises callnums itself).
 */
export async function rawCall(
  hubUrl: string,
  method: string,
  params: KojiValue[],
  session: SessionCredentials,
  callnum: number,
): Promise<RawOutcome> {
  const res = await fetch(hubUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml',
      'Koji-Session-Id': String(session.id),
      'Koji-Session-Key': session.key,
      'Koji-Session-Callnum': String(callnum),
    },
    body: encodeRequest(method, params),
  });
  if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status}`);
  return decodeResponse(await res.text());
}
