import { decodeResponse, encodeRequest, type KojiValue, type SessionCredentials } from '@koji-farm/koji';

export type RawOutcome =
  { ok: true; value: KojiValue } | { ok: false; faultCode: number; faultString: string };

/**
 * How the session travels: the `Koji-Session-*` headers Koji's client (and ours) sends;
 * `Koji-Callnum` instead of `Koji-Session-Callnum` (the header a 1.35 hub reads); or
 * the old query string (`?session-id=&session-key=&callnum=`).
 */
export type SessionCarrier = 'session-headers' | 'koji-callnum-header' | 'query-string';

/**
 * One XML-RPC call with the session written by hand, for tests of the hub's callnum
 * rules (KojiClient manages and resynchronises callnums itself).
 */
export async function rawCall(
  hubUrl: string,
  method: string,
  params: KojiValue[],
  session: SessionCredentials,
  callnum: number,
  carrier: SessionCarrier = 'session-headers',
): Promise<RawOutcome> {
  const headers: Record<string, string> = { 'Content-Type': 'text/xml' };
  let url = hubUrl;
  if (carrier === 'query-string') {
    const q = new URLSearchParams({ 'session-id': String(session.id), 'session-key': session.key });
    q.set('callnum', String(callnum));
    url = `${hubUrl}?${q.toString()}`;
  } else {
    headers['Koji-Session-Id'] = String(session.id);
    headers['Koji-Session-Key'] = session.key;
    headers[carrier === 'session-headers' ? 'Koji-Session-Callnum' : 'Koji-Callnum'] = String(callnum);
  }
  const res = await fetch(url, { method: 'POST', headers, body: encodeRequest(method, params) });
  if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status}`);
  return decodeResponse(await res.text());
}
